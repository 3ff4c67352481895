"""``refused_before_first``: one odd file is one refused part, never a sunk load."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from avert.errors import IngestError
from avert.ingest.limits import Refused
from avert.ingest.result import REFUSED, Parsed, refused_before_first


def _parts(n: int, err: BaseException) -> Iterator[Parsed]:
    for i in range(n):
        yield Parsed(f"part{i}", "", "street", 1)
    raise err


def test_a_failure_before_the_first_part_is_one_refused_part() -> None:
    out = list(refused_before_first(_parts(0, ValueError("odd")), "f.csv", target="t"))
    assert [(p.file, p.kind, p.rows) for p in out] == [("f.csv", REFUSED, 0)]
    problem = out[0].problems.row(0, named=True)
    assert problem["reason"] == "not read: ValueError: odd"
    assert problem["line"] == 0


def test_a_failure_after_a_part_is_raised() -> None:
    parts = refused_before_first(_parts(1, Refused("too big")), "f.csv")
    assert next(parts).file == "part0"
    with pytest.raises(Refused, match="too big"):
        next(parts)


def test_raising_types_are_raised_but_a_refusal_is_still_refused() -> None:
    with pytest.raises(IngestError, match="bad bundle"):
        list(
            refused_before_first(
                _parts(0, IngestError("bad bundle")), "f", raising=(IngestError,)
            )
        )
    out = list(
        refused_before_first(_parts(0, Refused("limit")), "f", raising=(IngestError,))
    )
    assert out[0].kind == REFUSED
    assert out[0].problems["reason"].to_list() == ["not read: limit"]
    # without ``raising``, an IngestError before the first part is refused too
    out = list(refused_before_first(_parts(0, IngestError("not police.uk")), "f"))
    assert out[0].problems["reason"].to_list() == ["not read: not police.uk"]


def test_an_interrupt_is_never_a_refusal() -> None:
    with pytest.raises(KeyboardInterrupt):
        list(refused_before_first(_parts(0, KeyboardInterrupt()), "f"))
