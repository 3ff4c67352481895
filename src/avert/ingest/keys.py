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

__all__ = ["content_keys", "row_text"]

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

    Parameters
    ----------
    frame
        Rows in file order.
    columns
        Columns that make up the content.
    prefix
        Short tag put before the digest, e.g. ``"puk-"``.
    salt
        Extra text mixed in (e.g. the force of a stop-and-search file).
    """
    if frame.height == 0:
        return pl.Series("key", [], dtype=pl.String)
    content = frame.select(row_text(columns, separator=_SEP).alias("c")).with_columns(
        pl.int_range(pl.len()).over("c").alias("n")
    )
    texts = content.select(
        pl.concat_str(
            [pl.lit(salt), pl.col("c"), pl.col("n").cast(pl.String)], separator=_SEP
        )
    ).to_series()
    digests = [
        prefix + hashlib.blake2b(t.encode("utf-8"), digest_size=16).hexdigest()
        for t in texts.to_list()
    ]
    return pl.Series("key", digests, dtype=pl.String)
