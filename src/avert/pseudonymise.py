"""Stable keyed pseudonyms for identifiers shown to partner agencies.

Police identifiers (person ids, crime reference numbers, group ids) are personal
data in partner hands: the partner view of avert replaces each with a keyed hash,

    pseudonym = PREFIX + "-" + hex(HMAC-SHA256(key, kind + ":" + id))[:12]

(RFC 2104 HMAC; the approach of the ICO's *Anonymisation, pseudonymisation and
privacy enhancing technologies* guidance, 2022: a keyed hash whose key the police
keep). The same id and key always give the same pseudonym, so partners can follow
one person across days, and without the key a pseudonym cannot be turned back into
the id, or recomputed from a guessed id.

The key is a per-deployment secret read at the edge from ``AVERT_PSEUDONYM_KEY``.
:data:`DEMO_KEY` is a published, non-secret default meant only for the synthetic
demo city; outputs made with it say so.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Final

import polars as pl

__all__ = ["DEMO_KEY", "KEY_ENV", "PREFIXES", "Pseudonymiser"]

#: Environment variable holding the deployment's pseudonym key.
KEY_ENV: Final = "AVERT_PSEUDONYM_KEY"
#: Published default key for the synthetic demo only (NOT a secret).
DEMO_KEY: Final = "avert-demo-pseudonym-key-not-secret"
#: Pseudonym prefix per kind of identifier.
PREFIXES: Final = {
    "person": "P",
    "incident": "I",
    "group": "G",
    "intel": "N",
    "asb": "A",
    "action": "T",
    "place": "L",
}


class Pseudonymiser:
    """Keyed, stable pseudonyms (HMAC-SHA256) for record identifiers.

    Parameters
    ----------
    key
        The deployment's secret (``AVERT_PSEUDONYM_KEY``); :data:`DEMO_KEY` when absent.

    Examples
    --------
    >>> p = Pseudonymiser("k")
    >>> p("person", "P123") == p("person", "P123")
    True
    >>> p("person", "P123").startswith("P-")
    True
    """

    def __init__(self, key: str | bytes | None = None) -> None:
        raw = DEMO_KEY if key is None or key == "" else key
        self._key = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        self.is_demo_key = self._key == DEMO_KEY.encode("utf-8")
        self._cache: dict[tuple[str, str], str] = {}

    def __call__(self, kind: str, value: str) -> str:
        """Return the pseudonym of one identifier of the given kind."""
        cached = self._cache.get((kind, value))
        if cached is not None:
            return cached
        prefix = PREFIXES.get(kind, "X")
        token = hmac.digest(self._key, f"{kind}:{value}".encode(), "sha256").hex()
        out = f"{prefix}-{token[:12].upper()}"
        self._cache[(kind, value)] = out
        return out

    def many(self, kind: str, values: Iterable[str | None]) -> list[str | None]:
        """Pseudonyms of ``values`` (None stays None)."""
        return [None if v is None else self(kind, v) for v in values]

    def column(self, frame: pl.DataFrame, column: str, kind: str) -> pl.DataFrame:
        """Return ``frame`` with ``column`` replaced by pseudonyms.

        Each distinct value is hashed once (a frame of a million rows with a thousand
        people costs a thousand HMACs), then mapped back with a join.
        """
        distinct = frame.get_column(column).drop_nulls().unique()
        mapping = pl.DataFrame(
            {
                column: distinct,
                "_pseudonym": self.many(kind, distinct.cast(pl.String).to_list()),
            },
            schema={column: frame.schema[column], "_pseudonym": pl.String},
        )
        return (
            frame.join(mapping, on=column, how="left", maintain_order="left")
            .with_columns(pl.col("_pseudonym").alias(column))
            .drop("_pseudonym")
        )
