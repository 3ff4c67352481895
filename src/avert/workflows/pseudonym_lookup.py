"""The stored id of a partner pseudonym a partner typed (copied from its
briefing) into a text it writes, found in the store's lookup
(:mod:`avert.store.pseudonyms`), and that lookup filled after a load.

A partner's save stores the id (:func:`avert.access.restore_authored`), so the
police read the person, not the pseudonym; the writer reads its pseudonym
back, and every other partner reader its own (docs/briefing.md, "Partner
audience").
"""

from __future__ import annotations

from collections.abc import Sequence

from avert.access import (
    Pseudonymiser,
    id_candidates,
    pseudonymiser_for,
    recent_periods,
    typed_pseudonyms,
)
from avert.config.settings import Settings
from avert.config.timezone import local_now
from avert.errors import ConfigError
from avert.store import Store, pseudonyms

__all__ = ["copied_pseudonyms", "fill_pseudonym_lookup"]


def _recent_keys(settings: Settings) -> list[Pseudonymiser]:
    """The partner pseudonymisers of now and, under a rotating key, of the
    period before (:func:`avert.access.recent_periods`: a partner may copy from
    a briefing of the last days of that period). A ConfigError for a key unfit
    for real data (:func:`avert.access.pseudonymiser_for`)."""
    now = local_now(settings.timezone)
    rotation = settings.pseudonym_rotation
    pseudonymiser_for(settings.pseudonym_key or None, rotation=rotation, at=now)
    return [
        Pseudonymiser(settings.pseudonym_key, period=period)
        for period in recent_periods(now, rotation)
    ]


def copied_pseudonyms(
    store: Store, settings: Settings | None, texts: Sequence[str | None]
) -> dict[str, str]:
    """Each pseudonym ``texts`` write (:func:`avert.access.typed_pseudonyms`)
    that is the deployment's partner pseudonym of a stored id, of the key of
    now or of the period before (:func:`_recent_keys`), to that id
    (:func:`avert.store.pseudonyms.find_ids`), if partners would read that id
    as its pseudonym (:func:`_read_as_id`). None without ``settings`` or a
    key; a ConfigError for a key unfit for real data."""
    typed = typed_pseudonyms(texts)
    if not typed or settings is None or not settings.pseudonym_key:
        return {}
    keys = _recent_keys(settings)
    prints = [p.fingerprint for p in keys]
    found: dict[str, str] = {}
    for pseudo in keys:
        left = {k: v for k, v in typed.items() if k not in found}
        if not left:
            break
        found |= pseudonyms.find_ids(store, pseudo, left, keep=prints)
    return {p: real for p, real in found.items() if _read_as_id(real)}


def _read_as_id(real: str) -> bool:
    """Whether a partner reader would read ``real``, written alone in a text,
    as its pseudonym: whether it is a word of its own that
    :func:`avert.access.id_candidates` asks the store about (one with a digit,
    no date, at most three words). Any other id (``NORTHSIDE``, a group's name)
    is shown to partners as written where the police write it, so one a partner
    typed as its pseudonym stays as typed: stored, it would be read back as the
    id."""
    return real in id_candidates([real])


def fill_pseudonym_lookup(store: Store, settings: Settings) -> int:
    """Fill the lookup with the stored ids it lacks under the key of now and of
    the period before (:func:`avert.store.pseudonyms.fill`), so that the
    first partner save after a load, a key change or a new period does not
    hash them; return how many were added. Nothing without a key fit for
    real data (no partner output is made then)."""
    try:
        keys = _recent_keys(settings) if settings.pseudonym_key else []
    except ConfigError:
        return 0
    prints = [p.fingerprint for p in keys]
    return sum(pseudonyms.fill(store, pseudo, keep=prints) for pseudo in keys)
