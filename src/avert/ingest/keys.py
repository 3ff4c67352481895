"""Deterministic keys for rows that carry no id of their own.

A row without a source id (police.uk ASB rows, every stop and search) is keyed by
its content plus its ordinal among identical rows of the same file, so that two
identical reports stay two rows and a re-load gives the same keys. The key never
depends on the file's path (the same file in a zip or a folder gives the same keys).

The digest is BLAKE2b (128 bits) from :mod:`hashlib`: Polars' own ``hash`` is not
stable across Polars versions, and a key stored in a database must be.

A key must not change when avert reads the same bytes differently either. Until
December 2026 a file that is not UTF-8 was read as latin-1 throughout; it is
now read as Windows-1252 when its bytes say so (:mod:`avert.ingest._csv._text`),
so its bytes 0x80-0x9F are curly quotes, dashes and the euro sign instead of C1
control codes. A row holding one would have had a new key, and a store loaded
before would have taken it a second time on a re-load. A file read as cp1252 is
therefore keyed by its text as latin-1 reads the same bytes (``read_as``): the keys
of every row are those earlier versions stored, whatever the text stored now.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Final

import polars as pl

__all__ = ["ContentKeyer", "as_read_now", "content_keys", "is_id_column", "row_text"]

_SEP = "\x1f"
#: bytes 0x80-0x9F that Windows-1252 defines (0x81, 0x8D, 0x8F, 0x90 and 0x9D it
#: leaves undefined: a file holding one is read as latin-1)
_CP1252_DEFINED: Final = bytes(
    b for b in range(0x80, 0xA0) if b not in b"\x81\x8d\x8f\x90\x9d"
)
#: what Windows-1252 reads those bytes as, and what latin-1 reads them as (keys)
_CP1252_HIGH: Final = list(_CP1252_DEFINED.decode("cp1252"))
_LATIN1_HIGH: Final = list(_CP1252_DEFINED.decode("latin-1"))


def row_text(columns: Sequence[str], *, separator: str = ",") -> pl.Expr:
    """The row's fields joined back into text (blank for missing)."""
    return pl.concat_str(
        [pl.col(c).cast(pl.String).fill_null("") for c in columns], separator=separator
    )


def content_keys(
    frame: pl.DataFrame,
    columns: Sequence[str],
    *,
    prefix: str,
    salt: str = "",
    read_as: str = "utf-8",
) -> pl.Series:
    """Key each row by ``prefix`` + digest of its content and ordinal among equals.

    ``frame`` holds the rows of a whole file in file order; ``columns``, ``prefix``,
    ``salt`` and ``read_as`` are those of :class:`ContentKeyer`, which keys a file
    part by part.
    """
    keyer = ContentKeyer(columns, prefix=prefix, salt=salt, read_as=read_as)
    return keyer.keys(frame)


def is_id_column(column: str) -> bool:
    """Whether ``column`` holds an id (``incident_id``, a stop's ``person_id``, a
    relationship's ``person_a``): a key other files and the store name exactly,
    kept as written, never rewritten (not even composed, :func:`as_read_now`).
    """
    return column.endswith("_id") or column in ("person_a", "person_b")


def as_read_now(text: pl.Expr, *, compose: bool = True) -> pl.Expr:
    r"""Text an earlier avert stored, as avert reads the same file now.

    Two changes of December 2026 give a re-loaded row other text than its stored
    copy, though its file is the same: a Windows-1252 file's bytes 0x80-0x9F were
    stored as C1 control codes (latin-1's reading, never text: U+0092 for the
    apostrophe ``’``), and a bundle's text was stored as written, its accents
    perhaps decomposed (NFD), where it is now stored composed (NFC). A row whose
    fields differ from its stored copy only so is the same record, not a
    conflict (:func:`avert.workflows.load._checks._conflicts`).

    ``compose=False`` for an id (:func:`is_id_column`): ids were never composed,
    so "P-Zoe" + U+0308 and "P-Zoë" are two ids, and a row naming the other one
    is a revision, not an old reading.

    >>> frame = pl.DataFrame({"t": ["O\x92Brien", "Zoe\u0308"]})
    >>> frame.select(as_read_now(pl.col("t")))["t"].to_list()
    ['O’Brien', 'Zoë']
    >>> frame.select(as_read_now(pl.col("t"), compose=False))["t"].to_list()
    ['O’Brien', 'Zoe\u0308']
    """
    text = text.str.replace_many(_LATIN1_HIGH, _CP1252_HIGH)
    return text.str.normalize("NFC") if compose else text


def _as_latin1_read(column: str) -> pl.Expr:
    r"""A column of text read as cp1252, as latin-1 reads the same bytes.

    Every character cp1252 gives a byte of 0x80-0x9F (``’`` of 0x92) back to the
    C1 control code latin-1 gives it (U+0092); the other bytes both read alike.
    In text read as cp1252 each such character came from its byte, so the text
    is exactly what avert before December 2026 read.

    >>> frame = pl.DataFrame({"t": ["O\u2019Brien \u20ac5"]})
    >>> frame.select(_as_latin1_read("t")).item()
    'O\x92Brien \x805'
    """
    return (
        pl.col(column)
        .cast(pl.String)
        .str.replace_many(_CP1252_HIGH, _LATIN1_HIGH)
        .alias(column)
    )


class ContentKeyer:
    """:func:`content_keys` over a file read in consecutive parts.

    The ordinal of a row among identical rows counts the identical rows of every
    earlier part, so keying a file part by part gives exactly the keys of keying it
    whole. Between parts only a count per distinct content is kept, indexed by two
    independent 64-bit Polars hashes of the content (in-process only; nothing stored
    depends on them, and a 128-bit collision is negligible).

    Parameters
    ----------
    columns
        Columns that make up the content.
    prefix
        Short tag put before the digest, e.g. ``"puk-"``.
    salt
        Extra text mixed in (e.g. the force of a stop-and-search file).
    read_as
        The encoding the file was read in (``CsvTable.encoding``): rows of a file
        read as ``cp1252`` are keyed by their text as latin-1 reads its bytes (see
        the module's docstring), so that they keep the keys earlier versions gave.
    """

    def __init__(
        self,
        columns: Sequence[str],
        *,
        prefix: str,
        salt: str = "",
        read_as: str = "utf-8",
    ) -> None:
        self.columns = list(columns)
        self.prefix = prefix
        self.salt = salt
        self.read_as = read_as
        self._seen: pl.DataFrame | None = None

    def keys(self, frame: pl.DataFrame) -> pl.Series:
        """Keys of the next part's rows (in file order); remembers their contents."""
        if frame.height == 0:
            return pl.Series("key", [], dtype=pl.String)
        if self.read_as == "cp1252":
            frame = frame.select(_as_latin1_read(c) for c in self.columns)
        content = frame.select(
            row_text(self.columns, separator=_SEP).alias("c")
        ).with_columns(
            pl.int_range(pl.len()).over("c").alias("n"),
            pl.col("c").hash(seed=0).alias("h0"),
            pl.col("c").hash(seed=1).alias("h1"),
        )
        if self._seen is not None:
            content = content.join(
                self._seen, on=["h0", "h1"], how="left", maintain_order="left"
            ).with_columns(pl.col("n") + pl.col("before").fill_null(0))
        counts = content.group_by("h0", "h1").agg(pl.len().alias("before"))
        if self._seen is not None:
            counts = (
                pl.concat([self._seen, counts.cast(self._seen.schema)])
                .group_by("h0", "h1")
                .agg(pl.col("before").sum())
            )
        self._seen = counts
        texts = content.select(
            pl.concat_str(
                [pl.lit(self.salt), pl.col("c"), pl.col("n").cast(pl.String)],
                separator=_SEP,
            )
        ).to_series()
        del content
        prefix = self.prefix
        digests = [
            prefix + hashlib.blake2b(t.encode("utf-8"), digest_size=16).hexdigest()
            for t in texts.to_list()
        ]
        return pl.Series("key", digests, dtype=pl.String)
