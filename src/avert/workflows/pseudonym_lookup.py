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
from typing import Final

from avert.access import (
    Pseudonymiser,
    id_candidates,
    period_of,
    pseudonymiser_for,
    reader_scope,
    typed_pseudonyms,
)
from avert.config.settings import Settings
from avert.config.timezone import local_now
from avert.errors import ConfigError
from avert.store import Store, pseudonyms

__all__ = [
    "ROTATING_KEY_REFUSAL",
    "copied_pseudonyms",
    "fill_pseudonym_lookup",
    "resolving_key",
]


def _lookup_key(
    settings: Settings, *, role: str = "partner", org: str | None = None
) -> Pseudonymiser | None:
    """The partner pseudonymiser whose pseudonyms a save resolves: the key's,
    without rotation; under ``pseudonym_scope`` ``organisation``, the key of
    the writer (a ``role`` of organisation ``org``,
    :func:`avert.access.reader_scope`), whose pages showed it the pseudonyms
    it typed; without ``org`` under it, the secret's (the one key of the
    texts written before: :func:`resolving_key`). None under a rotating key (``pseudonym_rotation``): a
    pseudonym stored as its id reads as the pseudonym of the period it is read
    in, so a partner who typed pseudonyms it chose (and read them back the
    next period) would link each of them to the next period's, not only those
    the plan's items touch (docs/briefing.md, "Partner audience"). A
    ConfigError for a key unfit for real data
    (:func:`avert.access.pseudonymiser_for`)."""
    rotation = settings.pseudonym_rotation
    at = local_now(settings.timezone)
    pseudonymiser_for(settings.pseudonym_key or None, rotation=rotation, at=at)
    if period_of(at, rotation) is not None:
        return None
    scope = (
        reader_scope(settings.pseudonym_scope, role=role, org=org)
        if org or role == "board"
        else None
    )
    return Pseudonymiser(settings.pseudonym_key, scope=scope)


def _writer_keys(store: Store, settings: Settings) -> list[Pseudonymiser]:
    """Under ``pseudonym_scope`` ``organisation``, the key of every account's
    organisation, the board's and the secret's (the one key of the texts
    written before, :func:`resolving_key`); the secret's alone under
    ``shared``."""
    key = settings.pseudonym_key
    if settings.pseudonym_scope != "organisation":
        return [Pseudonymiser(key)]
    orgs = store.read_frame("users", columns=["org"]).get_column("org")
    scopes = [f"organisation:{o}" for o in orgs.drop_nulls().unique().sort()]
    return [Pseudonymiser(key, scope=s) for s in [None, "board", *scopes]]


def _kept_keys(store: Store, settings: Settings) -> list[str]:
    """The fingerprints of the keys whose rows the lookup keeps beside the
    one it fills (:func:`_writer_keys`), so that one organisation's save does
    not delete another's rows; none under ``shared``."""
    if settings.pseudonym_scope != "organisation":
        return []
    return [p.fingerprint for p in _writer_keys(store, settings)]


#: Why typed pseudonyms are not resolved under a rotating key (:func:`_lookup_key`).
ROTATING_KEY_REFUSAL: Final = (
    "Typed pseudonyms are not resolved under a rotating key "
    "(pseudonym_rotation): a stored id reads as the pseudonym of the period it "
    "is read in, so resolving a partner's typed pseudonyms of one period would "
    "link them to the next period's (docs/briefing.md, 'Partner audience')."
)


def resolving_key(settings: Settings) -> Pseudonymiser:
    """The key whose typed pseudonyms ``avert db resolve-pseudonyms`` resolves
    (:func:`_lookup_key`): the secret's, the one key every partner read before
    ``pseudonym_scope`` ``organisation`` (its saves resolve each writer's own
    key's since); or a ConfigError that says why none is: no key, a key unfit
    for real data, or a rotating key (:data:`ROTATING_KEY_REFUSAL`)."""
    if not settings.pseudonym_key:
        msg = (
            "No pseudonym key (setting pseudonym_key, AVERT_PSEUDONYM_KEY): "
            "the pseudonyms partners typed are of the deployment's key."
        )
        raise ConfigError(msg)
    pseudo = _lookup_key(settings)
    if pseudo is None:
        raise ConfigError(ROTATING_KEY_REFUSAL)
    return pseudo


def copied_pseudonyms(
    store: Store,
    settings: Settings | None,
    texts: Sequence[str | None],
    *,
    role: str = "partner",
    org: str | None = None,
) -> dict[str, str]:
    """Each pseudonym ``texts`` write (:func:`avert.access.typed_pseudonyms`)
    that is the writer's partner pseudonym of a stored id (a ``role`` of
    organisation ``org`` under ``pseudonym_scope`` ``organisation``; none under
    a rotating key: :func:`_lookup_key`), to that id
    (:func:`avert.store.pseudonyms.find_ids`), if partners would read that id
    as its pseudonym (:func:`_read_as_id`). None without ``settings`` or a
    key; a ConfigError for a key unfit for real data."""
    typed = typed_pseudonyms(texts)
    if not typed or settings is None or not settings.pseudonym_key:
        return {}
    pseudo = _lookup_key(settings, role=role, org=org)
    if pseudo is None:
        return {}
    found = pseudonyms.find_ids(store, pseudo, typed, keep=_kept_keys(store, settings))
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
    """Fill the lookup with the stored ids it lacks under the key
    (:func:`avert.store.pseudonyms.fill`), so that the first partner save
    after a load or a key change does not hash them; return how many were
    added. Nothing without a key fit for real data (no partner output is
    made then); under a rotating key, which resolves no pseudonym
    (:func:`_lookup_key`), the lookup is emptied. Under ``pseudonym_scope``
    ``organisation``, under each writer's key (:func:`_writer_keys`: the
    store's ids hashed once per organisation of the accounts), each keeping
    the others' rows."""
    try:
        pseudo = _lookup_key(settings) if settings.pseudonym_key else None
    except ConfigError:
        return 0
    if pseudo is None:
        if settings.pseudonym_key:
            pseudonyms.clear(store)
        return 0
    keep = _kept_keys(store, settings)
    if not keep:
        return pseudonyms.fill(store, pseudo)
    return sum(
        pseudonyms.fill(store, p, keep=keep) for p in _writer_keys(store, settings)
    )
