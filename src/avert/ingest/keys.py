"""Deterministic keys for rows that carry no id of their own.

A row without a source id (police.uk ASB rows, every stop and search) is keyed by
its content plus its ordinal among identical rows of the same file, so that two
identical reports stay two rows and a re-load gives the same keys. The key never
depends on the file's path (the same file in a zip or a folder gives the same keys).

The digest is BLAKE2b (128 bits) from :mod:`hashlib`: Polars' own ``hash`` is not
stable across Polars versions, and a key stored in a database must be.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import polars as pl

__all__ = ["ContentKeyer", "content_keys", "row_text"]

_SEP = "\x1f"


def row_text(columns: Sequence[str], *, separator: str = ",") -> pl.Expr:
    """The row's fields joined back into text (blank for missing)."""
    return pl.concat_str(
        [pl.col(c).cast(pl.String).fill_null("") for c in columns], separator=separator
    )


def content_keys(
    frame: pl.DataFrame, columns: Sequence[str], *, prefix: str, salt: str = ""
) -> pl.Series:
    """Key each row by ``prefix`` + digest of its content and ordinal among equals.

    ``frame`` holds the rows of a whole file in file order; ``columns``, ``prefix``
    and ``salt`` are those of :class:`ContentKeyer`, which keys a file part by part.
    """
    return ContentKeyer(columns, prefix=prefix, salt=salt).keys(frame)


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
    """

    def __init__(self, columns: Sequence[str], *, prefix: str, salt: str = "") -> None:
        self.columns = list(columns)
        self.prefix = prefix
        self.salt = salt
        self._seen: pl.DataFrame | None = None

    def keys(self, frame: pl.DataFrame) -> pl.Series:
        """Keys of the next part's rows (in file order); remembers their contents."""
        if frame.height == 0:
            return pl.Series("key", [], dtype=pl.String)
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
