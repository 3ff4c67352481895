"""Robust CSV reading: encodings, blank and ragged lines, line numbers."""

from __future__ import annotations

from avert.ingest._csv import decode, read_csv


def test_utf8_bom_is_stripped_and_reported() -> None:
    table = read_csv("\ufeffa,b\n1,2\n".encode())
    assert table.header == ["a", "b"]
    assert table.encoding == "utf-8-sig"
    assert table.frame["a"].to_list() == ["1"]


def test_latin1_is_read_and_normalised_to_utf8() -> None:
    data, encoding, _ = decode("a\ncaf\xe9\n".encode("latin-1"))
    assert encoding == "latin-1"
    assert data.decode("utf-8") == "a\ncafé\n"


def test_windows_1252_is_read_as_such_not_as_latin1() -> None:
    """A Windows extract's curly apostrophe and euro sign (0x92, 0x80) read as
    latin-1 became C1 control characters (U+0092, U+0080): the name looked right
    nowhere and matched nothing. Bytes 0x80-0x9F are control codes in latin-1,
    never text; in cp1252 they are these characters."""
    data, encoding, _ = decode("a\nO\u2019Brien \u20ac5\n".encode("cp1252"))
    assert encoding == "cp1252"
    assert data.decode("utf-8") == "a\nO\u2019Brien \u20ac5\n"
    # a byte cp1252 does not define (0x81): latin-1, nothing lost
    data, encoding, _ = decode(b"a\nx\x81\x92\n")
    assert encoding == "latin-1"
    assert data.decode("utf-8") == "a\nx\x81\x92\n"


def test_blank_lines_are_neither_rows_nor_problems_and_lines_are_physical() -> None:
    table = read_csv(b"a,b\r\n1,2\r\n\r\n\r\n3,4\r\n")
    assert table.rows == 2
    assert table.frame["_line"].to_list() == [2, 5]
    assert table.bad.height == 0


def test_ragged_and_truncated_lines_are_reported_with_raw_text() -> None:
    table = read_csv(b"a,b,c\n1,2,3\n4,5,6,7\n8,9")
    assert table.rows == 3
    assert table.frame["_line"].to_list() == [2]
    assert table.bad["line"].to_list() == [3, 4]
    assert table.bad["raw"].to_list() == ["4,5,6,7", "8,9"]
    assert "wrong number of fields" in table.bad["reason"][0]


def test_a_quoted_field_left_open_at_the_end_of_the_file_is_reported() -> None:
    # A file cut inside a quoted field: the last record must not load with its
    # value cut short (with or without a final line break), as it is not when a
    # blank line follows; a literal quote inside an unquoted field still reads.
    for tail in (b"", b"\n"):
        table = read_csv(b'a,b\n1,b"c\n3,"cut sho' + tail)
        assert table.frame["a"].to_list() == ["1"]
        assert table.frame["b"].to_list() == ['b"c']
        assert table.bad["line"].to_list() == [3]
        assert table.bad["raw"].to_list() == ['3,"cut sho']
        assert table.bad["reason"][0].startswith("unbalanced quote")
        assert table.rows == 2


def test_quoted_commas_count_as_one_field() -> None:
    table = read_csv(b'a,b\n"x,y",2\n')
    assert table.frame["a"].to_list() == ["x,y"]
    assert table.bad.height == 0


def test_quoted_newline_falls_back_to_exact_reader() -> None:
    table = read_csv(b'a,b\n"x\ny",2\n3,4\n5\n')
    assert table.frame["a"].to_list() == ["x\ny", "3"]
    assert table.frame["_line"].to_list() == [2, 4]
    assert table.bad["line"].to_list() == [5]
    assert table.rows == 3


def test_empty_input() -> None:
    table = read_csv(b"")
    assert (table.header, table.rows) == ([], 0)
