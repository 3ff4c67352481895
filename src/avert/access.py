"""Who may see what: audiences and roles, keyed pseudonyms, and the partner rules.

Every page of avert (the daily briefing today, the web app next) is made for one
*audience*. This module owns the three things each page must agree on:

1. **Roles and audiences.** A role is what a user is (``admin``, ``analyst``,
   ``chair``, ``officer``, ``partner``, ``board``); an audience is what a page shows.
   Police roles see the ``police`` view; ``partner`` and ``board`` see the
   ``partner`` view (:func:`audience_of`).
2. **Keyed pseudonyms.** Police identifiers (person ids, crime reference numbers,
   group ids) are personal data in partner hands: the partner view replaces each
   with a keyed hash,

       pseudonym = PREFIX + "-" + hex(HMAC-SHA256(key, kind + ":" + id))[:12]

   (RFC 2104 HMAC; the approach of the ICO's *Anonymisation, pseudonymisation and
   privacy enhancing technologies* guidance, 2022: a keyed hash whose key the police
   keep). Without the key a pseudonym cannot be turned back into the id, or
   recomputed from a guessed id; so the key must be a real secret
   (:func:`check_key`: at least :data:`MIN_KEY_LENGTH` characters and
   :data:`MIN_KEY_BITS` bits of estimated entropy). The same id and key always give
   the same pseudonym, so **a stable key lets partners link one person across
   briefings** (and, under one key for every reader, lets two partner
   organisations join what each was shown: :func:`reader_scope` gives each
   organisation, and the board, a key of its own derived from the secret,
   setting ``pseudonym_scope``); a rotation period (:data:`ROTATIONS`) derives a key per month or
   quarter from the secret (``HMAC-SHA256(secret, "avert-period:" + period)``), so
   one person has a different pseudonym in each period. That alone does not stop
   linking: anything shown in two periods links their pseudonyms. The partner
   briefing therefore starts no earlier than its key period
   (:func:`period_start`), so no incident appears under two keys; but items that
   live across periods (plan actions, taskings and their tasked marks, on the
   briefing, plan and meeting pages) still show the same item beside each
   period's pseudonyms, so a partner *can* link one period's pseudonyms to the
   next through them.
3. **What the partner view may hold** (:data:`POLICE_ONLY`): never a person id, name,
   date of birth, address, intelligence text or any other police-only field.
   :func:`redact_frames` applies the rules to canonical frames *before* a page is
   assembled, so no later step can see a police id.

:data:`DEMO_KEY` is a published, non-secret key for the synthetic demo city only
(``avert demo``); every other partner output refuses it.
"""

from __future__ import annotations

import array
import bisect
import datetime as dt
import difflib
import functools
import hashlib
import hmac
import itertools
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Container, Iterable, Mapping, Sequence
from typing import Final, Literal, NamedTuple

import polars as pl

from avert.config.choices import ROLES, Role
from avert.errors import ConfigError
from avert.schema import ITEM_KINDS
from avert.written_identity import WITHHELD_MARKERS

__all__ = [
    "AUDIENCES",
    "CAPITALISED",
    "DEMO_KEY",
    "GLUED",
    "KEPT_WITHHELD",
    "KEY_ENV",
    "MAX_NAME_WORDS",
    "MIN_KEY_BITS",
    "MIN_KEY_LENGTH",
    "NAME_WITHHELD",
    "ONE_WORD_WITHIN",
    "PARTNER_DROPPED",
    "POLICE_ONLY",
    "PREFIXES",
    "ROLES",
    "ROTATIONS",
    "SCOPES",
    "SMALL_CELL",
    "SMALL_CELL_RULE",
    "TITLE_WITHHELD_TARGETS",
    "TYPED_KINDS",
    "Audience",
    "AuthorSpan",
    "Pseudonymiser",
    "Role",
    "Rotation",
    "audience_of",
    "authors_json",
    "authors_of",
    "check_audience",
    "check_key",
    "foreign_pieces",
    "glued_id_pattern",
    "id_candidates",
    "id_matches",
    "id_spans",
    "id_texts",
    "kept_withheld",
    "key_entropy_bits",
    "key_strength_bits",
    "live_organisations",
    "name_candidates",
    "name_forms",
    "name_key",
    "names_id",
    "names_person",
    "one_word_names",
    "one_word_names_each",
    "organisation_fold",
    "organisation_name_problem",
    "organisation_spelling",
    "own_pieces",
    "period_of",
    "period_start",
    "pseudonymise_authored",
    "pseudonymise_columns",
    "pseudonymise_ids",
    "pseudonymise_text",
    "pseudonymiser_for",
    "reader_scope",
    "redact_frames",
    "resolve_typed_authored",
    "restore_authored",
    "split_organisations",
    "stored_name_key",
    "stored_name_key_expr",
    "suppress_small_counts",
    "text_digest",
    "typed_pseudonyms",
    "withhold_action_titles",
    "written_keys",
]

Audience = Literal["police", "partner"]
Rotation = Literal["none", "monthly", "quarterly"]

AUDIENCES: Final[tuple[Audience, ...]] = ("police", "partner")
ROTATIONS: Final[tuple[Rotation, ...]] = ("none", "monthly", "quarterly")
#: Whose pseudonyms a partner reader reads (setting ``pseudonym_scope``):
#: ``shared``, one key for every partner organisation and the board;
#: ``organisation``, a key per organisation and one for the board
#: (:func:`reader_scope`).
SCOPES: Final = ("shared", "organisation")
_AUDIENCE_OF_ROLE: Final[dict[Role, Audience]] = {
    "admin": "police",
    "analyst": "police",
    "chair": "police",
    "officer": "police",
    "partner": "partner",
    "board": "partner",
}

#: Environment variable holding the deployment's pseudonym key (setting ``pseudonym_key``).
KEY_ENV: Final = "AVERT_PSEUDONYM_KEY"
#: Published default key for the synthetic demo only (NOT a secret).
DEMO_KEY: Final = "avert-demo-pseudonym-key-not-secret"
#: Shortest accepted deployment key (characters).
MIN_KEY_LENGTH: Final = 32
#: Least accepted estimated entropy of a key (bits): length x Shannon entropy per character.
MIN_KEY_BITS: Final = 80.0
#: Pseudonym prefix per kind of identifier.
PREFIXES: Final = {
    "person": "P",
    "incident": "I",
    "group": "G",
    "intel": "N",
    "asb": "A",
    "action": "T",
    "place": "L",
    "stop": "S",
}


def pseudonyms_named(text: str, kind: str) -> list[str]:
    """The distinct pseudonyms of ``kind`` (``P-`` and twelve upper-case hex
    digits for a person, :meth:`Pseudonymiser.__call__`) that ``text`` names,
    sorted: the people a pseudonymised document shows, whichever of its
    sections (a subject, a title's free text, an action's id) names them: after
    a hyphen or run into letters too ("check-P-…", "xP-…visit": an id a plan
    author wrote, as shown), so that an audit row counts each person shown.

    >>> pseudonyms_named("check-P-0123456789AB, xP-ABCDEF012345visit", "person")
    ['P-0123456789AB', 'P-ABCDEF012345']
    """
    pattern = rf"{PREFIXES[kind]}-[0-9A-F]{{12}}(?![0-9A-F])"
    return sorted(set(re.findall(pattern, text)))


def names_id(text: str, ident: str) -> bool:
    """Whether ``text`` writes the id (or pseudonym) ``ident`` as a whole word, in
    any case (as :func:`pseudonymise_text` replaces it and :func:`id_spans`
    finds it: "p0000123" reads as the id), not inside a longer id (``P0017``
    is not in ``P00172``, ``P12`` is in ``person:P12``): whether a line shown
    names that record. A text whose ids
    read otherwise (:func:`_id_fold`: "P" + U+200B + "0017", fullwidth digits)
    is asked as partners' texts are read (:func:`id_spans`)."""
    if _id_fold(text) is not None:
        return bool(id_spans(text, ident))
    word = rf"(?<![0-9A-Za-z]){re.escape(ident)}(?![0-9A-Za-z])"
    return re.search(word, text, flags=re.IGNORECASE) is not None


_KEY_HELP: Final = (
    f"Set {KEY_ENV} to a random secret of at least {MIN_KEY_LENGTH} characters, e.g. "
    'the output of: python -c "import secrets; print(secrets.token_urlsafe(32))" '
    "(keep it with the police; never give it to partners)."
)

#: Columns partners never see, by canonical table (dropped or replaced by pseudonyms).
POLICE_ONLY: Final[Mapping[str, tuple[str, ...]]] = {
    "incidents": ("lat", "lon", "x", "y", "location", "outcome", "context", "extra"),
    "person_identity": ("name", "date_of_birth", "address", "postcode"),
    "people": ("extra",),
    "involvements": ("extra",),
    "relationships": ("extra",),
    "groups": ("name", "extra"),
    "group_members": ("extra",),
    "asb": ("extra",),
    "stops": ("extra",),
    "attendances": ("extra",),
    "intelligence": ("subject_id", "text", "source", "extra"),
    "dash": ("extra",),
    "actions": ("title", "evidence", "rag_reason"),
}
#: What the partner view drops, in words (printed on every partner page).
PARTNER_DROPPED: Final = (
    "names, dates of birth and addresses (person_identity)",
    "exact locations (lat, lon, x, y, location text) of incidents",
    "outcomes and free context text",
    "a bundle's columns outside the format (extra: free text of the source system)",
    "group names",
    "intelligence items and subjects (counts by grading only)",
    "titles of actions that target a person, group or incident",
)
#: Identifier columns replaced by pseudonyms, by canonical table: (column, kind).
_ID_COLUMNS: Final[Mapping[str, tuple[tuple[str, str], ...]]] = {
    "incidents": (("incident_id", "incident"),),
    "involvements": (("incident_id", "incident"), ("person_id", "person")),
    "people": (("person_id", "person"),),
    "group_members": (("group_id", "group"), ("person_id", "person")),
    "groups": (("group_id", "group"),),
    "asb": (("asb_id", "asb"), ("caller_id", "person")),
    "asb_escalating": (("asb_id", "asb"), ("caller_id", "person")),
    "relationships": (("person_a", "person"), ("person_b", "person")),
    "stops": (("stop_id", "stop"), ("person_id", "person")),
    "intelligence": (("intel_id", "intel"),),
    "dash": (("person_id", "person"), ("incident_id", "incident")),
    "dash_victim_incidents": (("incident_id", "incident"), ("person_id", "person")),
    "retaliation": (("incident_id", "incident"), ("victim_id", "person")),
}
_ID_LIST_COLUMNS: Final[Mapping[str, tuple[tuple[str, str], ...]]] = {
    "retaliation": (
        ("at_risk_of_retaliation_from", "person"),
        ("possible_targets", "person"),
        ("victim_groups", "group"),
        ("rival_groups", "group"),
    ),
}
_WITHHELD_TITLE: Final = (
    "[title withheld: the action targets a person, group or incident]"
)
_WITHHELD_TEXT: Final = "[withheld: the action targets a person, group or incident]"
#: Subject types of the actions whose title partners never read.
TITLE_WITHHELD_TARGETS: Final = ("person", "group", "incident")
#: Smallest count of people a partner table shows (counts 1 to SMALL_CELL - 1 are withheld).
SMALL_CELL: Final = 5
_ZERO_LAST: Final = 2**62
#: The small-cell rule, in words (printed beside every partner make-up).
SMALL_CELL_RULE: Final = (
    f"[c]: withheld. Counts of 1 to {SMALL_CELL - 1} people are withheld, and so is "
    "the next smallest count (a zero only when there is no other) of a breakdown "
    "that would otherwise have one withheld cell, as it could be worked out from "
    "the total; shares, rates and ratios of a withheld cell are withheld with it, "
    "and every ratio to a withheld reference cell. "
    "(GSS/ONS disclosure "
    "control: threshold rule with secondary suppression; '[c]' is the GOV.UK "
    "symbol for confidential.)"
)


def audience_of(role: str) -> Audience:
    """The audience a role sees (``police`` or ``partner``).

    >>> audience_of("chair"), audience_of("board")
    ('police', 'partner')
    """
    if role not in _AUDIENCE_OF_ROLE:
        msg = f"Unknown role {role!r}: use one of {', '.join(ROLES)}."
        raise ConfigError(msg)
    return _AUDIENCE_OF_ROLE[role]  # type: ignore[index, unused-ignore]


def check_audience(audience: str) -> Audience:
    """Return ``audience`` if it is ``police`` or ``partner``; else a ConfigError."""
    if audience not in AUDIENCES:
        msg = f"The 'audience' parameter must be 'police' or 'partner'. Got {audience!r} instead."
        raise ConfigError(msg)
    return "partner" if audience == "partner" else "police"


def key_entropy_bits(key: str) -> float:
    """Estimated entropy of ``key`` in bits: length x Shannon entropy of its characters.

    An estimate, not a proof: a random key scores close to its true entropy, a
    repeated pattern scores low.

    >>> key_entropy_bits("aaaa") == 0
    True
    >>> round(key_entropy_bits("abcd"), 1)
    8.0
    """
    if not key:
        return 0.0
    counts = Counter(key)
    n = len(key)
    # p * log2(1 / p), each term 0 or more: the negated sum of p * log2(p) gave
    # -0.0 for one repeated character, shown as "-0 bits"
    per_char = sum(c / n * math.log2(n / c) for c in counts.values())
    return n * per_char


def key_strength_bits(key: str) -> float:
    """:func:`key_entropy_bits` of ``key``, a key that repeats a shorter pattern
    counting only that pattern (the measure of :func:`check_key`).

    >>> key_strength_bits("abcd" * 8) == key_entropy_bits("abcd")
    True
    """
    bits = key_entropy_bits(key)
    period = _period(key)
    if period <= len(key) // 2:
        bits = min(bits, key_entropy_bits(key[:period]))
    return bits


def _period(key: str) -> int:
    """Length of the shortest pattern that repeats to make ``key`` (its own length if none).

    >>> _period("abcabcab"), _period("abcd")
    (3, 4)
    """
    n = len(key)
    for p in range(1, n // 2 + 1):
        if all(key[i] == key[i - p] for i in range(p, n)):
            return p
    return n


def check_key(key: str | None) -> str:
    """Return ``key`` if it is fit to pseudonymise real data; else a ConfigError.

    Refused: no key, the published :data:`DEMO_KEY`, fewer than
    :data:`MIN_KEY_LENGTH` characters, or under :data:`MIN_KEY_BITS` bits of estimated
    entropy (a key that repeats a shorter pattern counts only that pattern). The
    message never repeats the key.
    """
    if not key:
        msg = f"Partner outputs need a pseudonym key and none is set. {_KEY_HELP}"
        raise ConfigError(msg)
    if key == DEMO_KEY:
        msg = (
            "Partner outputs refuse the published demo pseudonym key (anyone can "
            f"reverse its pseudonyms). {_KEY_HELP}"
        )
        raise ConfigError(msg)
    if len(key) < MIN_KEY_LENGTH:
        msg = (
            f"The pseudonym key is too short ({len(key)} characters; at least "
            f"{MIN_KEY_LENGTH} needed). {_KEY_HELP}"
        )
        raise ConfigError(msg)
    bits = key_strength_bits(key)
    if bits < MIN_KEY_BITS:
        msg = (
            f"The pseudonym key looks guessable (about {bits:.0f} bits of entropy; at "
            f"least {MIN_KEY_BITS:.0f} needed: avoid repeated patterns). {_KEY_HELP}"
        )
        raise ConfigError(msg)
    return key


def period_of(at: dt.datetime | dt.date, rotation: str) -> str | None:
    """The key period holding ``at``: ``2025-03`` (monthly), ``2025-Q1`` (quarterly).

    >>> period_of(dt.date(2025, 5, 2), "quarterly")
    '2025-Q2'
    >>> period_of(dt.date(2025, 5, 2), "none") is None
    True
    """
    if rotation == "none":
        return None
    if rotation == "monthly":
        return f"{at.year:04d}-{at.month:02d}"
    if rotation == "quarterly":
        return f"{at.year:04d}-Q{(at.month - 1) // 3 + 1}"
    msg = f"The pseudonym rotation must be one of {', '.join(ROTATIONS)}. Got {rotation!r}."
    raise ConfigError(msg)


def period_start(at: dt.datetime, rotation: str) -> dt.datetime | None:
    """The first instant of the key period holding ``at`` (None without rotation).

    Monthly: the 1st of ``at``'s month at 00:00; quarterly: the first day of its
    quarter (January, April, July, October) at 00:00, in ``at``'s own clock.

    >>> period_start(dt.datetime(2025, 5, 2, 7, 30), "quarterly")
    datetime.datetime(2025, 4, 1, 0, 0)
    >>> period_start(dt.datetime(2025, 5, 2, 7, 30), "monthly")
    datetime.datetime(2025, 5, 1, 0, 0)
    >>> period_start(dt.datetime(2025, 5, 2), "none") is None
    True
    """
    if period_of(at, rotation) is None:  # (raises on an unknown rotation)
        return None
    month = at.month if rotation == "monthly" else (at.month - 1) // 3 * 3 + 1
    return at.replace(month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


class Pseudonymiser:
    """Keyed, stable pseudonyms (HMAC-SHA256) for record identifiers.

    Parameters
    ----------
    key
        The deployment's secret (setting ``pseudonym_key``); :data:`DEMO_KEY` when
        absent. Use :func:`pseudonymiser_for` to build one that checks the key.
    period
        Key period (:func:`period_of`): the pseudonyms use the key derived from the
        secret for that period, so they differ from other periods' pseudonyms (an
        item shown in two periods still links them: :func:`period_start`).
    scope
        Whose key (:func:`reader_scope`): None, the secret itself (every
        partner reads the same pseudonyms); ``organisation:ORG``, the key
        ``HMAC-SHA256(secret, "avert-organisation:ORG")``; ``board``,
        ``HMAC-SHA256(secret, "avert-board")`` (a context no organisation's
        name can make). The period's key is derived from the scope's key.

    Examples
    --------
    >>> p = Pseudonymiser("k")
    >>> p("person", "P123") == p("person", "P123")
    True
    >>> p("person", "P123").startswith("P-")
    True
    >>> Pseudonymiser("k", period="2025-01")("person", "P123") == p("person", "P123")
    False
    >>> a = Pseudonymiser("k", scope="organisation:Housing")
    >>> a("person", "P123") == Pseudonymiser("k", scope="board")("person", "P123")
    False
    """

    def __init__(
        self,
        key: str | bytes | None = None,
        *,
        period: str | None = None,
        scope: str | None = None,
    ) -> None:
        raw = DEMO_KEY if key is None or key == "" else key
        secret = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        self.is_demo_key = secret == DEMO_KEY.encode("utf-8")
        self.period = period
        self.scope = scope
        base = secret if scope is None else _scope_key(secret, scope)
        self._key = (
            base
            if period is None
            else hmac.digest(base, f"avert-period:{period}".encode(), "sha256")
        )
        self._cache: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:
        # never print the key (nor the organisation: it is in the scope's name)
        return (
            f"Pseudonymiser(demo={self.is_demo_key}, period={self.period!r}, "
            f"scoped={self.scope is not None})"
        )

    @property
    def fingerprint(self) -> str:
        """A short digest that tells keys apart without revealing them."""
        return hashlib.sha256(b"avert-key-fingerprint:" + self._key).hexdigest()[:8]

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

    def digests(self, kind: str, values: Iterable[str]) -> list[str]:
        """The 12 hex digits (upper case) of the pseudonym of each of ``values``,
        uncached: for building the reverse lookup of a whole table
        (:mod:`avert.store.pseudonyms`), whose ids would fill the cache."""
        key = self._key
        return [
            hmac.digest(key, f"{kind}:{v}".encode(), "sha256").hex()[:12].upper()
            for v in values
        ]

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

    def list_column(self, frame: pl.DataFrame, column: str, kind: str) -> pl.DataFrame:
        """Return ``frame`` with a list-of-ids ``column`` replaced by pseudonyms."""
        if column not in frame.columns or frame.height == 0:
            return frame
        return frame.with_columns(
            pl.Series(
                column,
                [self.many(kind, v or []) for v in frame[column].to_list()],
                dtype=pl.List(pl.String),
            )
        )


#: The kinds whose pseudonym a partner's save resolves to the stored id: those
#: whose stored ids its readers read as their pseudonyms
#: (:func:`avert.store.queries.stored_ids`).
TYPED_KINDS: Final = ("person", "incident", "group", "asb", "stop", "intel")
_TYPED_PSEUDONYM: Final = re.compile(
    r"(?<![\w-])(["
    + "".join(PREFIXES[k] for k in TYPED_KINDS)
    + r"])-([0-9A-F]{12})(?![\w-])"
)


def _scope_key(secret: bytes, scope: str) -> bytes:
    """The key of ``scope`` (:func:`reader_scope`) derived from ``secret``:
    ``HMAC-SHA256(secret, "avert-organisation:ORG")`` for
    ``organisation:ORG``, ``HMAC-SHA256(secret, "avert-board")`` for ``board``."""
    if scope == "board":
        return hmac.digest(secret, b"avert-board", "sha256")
    org = scope.removeprefix("organisation:")
    if org == scope or not org:
        msg = f"Unknown pseudonym scope {scope!r}: 'board' or 'organisation:ORG'."
        raise ConfigError(msg)
    return hmac.digest(secret, f"avert-organisation:{org}".encode(), "sha256")


def reader_scope(setting: str, *, role: str, org: str | None) -> str | None:
    """The pseudonym scope of a partner reader (:class:`Pseudonymiser`'s
    ``scope``) under ``pseudonym_scope`` ``setting``: None under ``shared``;
    under ``organisation``, ``board`` for the board role, else
    ``organisation:ORG``, ORG the organisation exactly as stored on the account
    (as :func:`avert.policy.decide` compares it). A ConfigError for an unknown
    setting, or a non-board reader of no organisation under ``organisation``
    (its partner outputs need one: ``--org`` on the command line).

    >>> reader_scope("shared", role="partner", org="Housing") is None
    True
    >>> reader_scope("organisation", role="partner", org="Housing")
    'organisation:Housing'
    >>> reader_scope("organisation", role="board", org="Housing")
    'board'
    """
    if setting not in SCOPES:
        msg = (
            f"pseudonym_scope (AVERT_PSEUDONYM_SCOPE) must be one of "
            f"{', '.join(SCOPES)}, not {setting!r}."
        )
        raise ConfigError(msg)
    if setting == "shared":
        return None
    if role == "board":
        return "board"
    if not org:
        msg = (
            "Under pseudonym_scope 'organisation' each partner output is made with "
            "its reader's organisation's key: name the organisation (--org, as "
            "stored on its accounts)."
        )
        raise ConfigError(msg)
    return f"organisation:{org}"


def organisation_spelling(name: str | None) -> str | None:
    """An organisation's name as a new account stores it: Unicode NFC, trimmed,
    each inner run of white space one space (None when blank). Under
    ``pseudonym_scope`` ``organisation`` the name as stored derives the
    organisation's key (:func:`reader_scope`), so one organisation must have
    one spelling: two that differ only so are one organisation
    (:func:`organisation_fold`).

    >>> organisation_spelling("  Leeds   City\tCouncil ")
    'Leeds City Council'
    >>> organisation_spelling("  ") is None
    True
    """
    words = " ".join(_as_spaces(_nfc(name or "")).split())
    return words or None


def organisation_fold(name: str | None) -> str:
    """What every spelling of one organisation shares: its
    :func:`organisation_spelling` case-folded, in compatibility form (NFKC:
    full-width letters, ligatures as the letters they are). Two accounts'
    organisations of one fold are one organisation written two ways; a new
    account may not add a second spelling
    (:func:`avert.workflows.users.add_user`), and a name typed (``--org``, a
    tasking's organisation, a plan action's lead) is matched to the accounts'
    spelling by it. Folded by case alone, "Ｃouncil" (a full-width C, as an
    East Asian keyboard types it) was an organisation beside "Council" with a
    key of its own, and warned of by nothing.

    >>> organisation_fold(" COUNCIL ") == organisation_fold("council")
    True
    >>> organisation_fold("Leeds  City Council") == organisation_fold("leeds city council")
    True
    >>> organisation_fold("\uff23ouncil") == organisation_fold("Council")
    True

    Nor does a letter of another script that looks like a Latin one, an
    invisible character, an accent or white space make another organisation:
    the fold is a skeleton, as Unicode TR39's (``confusables.txt``) but of the
    common look-alikes only (:data:`_LOOK_ALIKES`), without the invisible
    characters (:data:`_INVISIBLE_SPACES`) and combining marks (after NFKD)
    and white space. "Councıl" (a Turkish dotless ı), "Соuncil" (Cyrillic С
    and о), "Coun\u200bcil" and "Cöuncil" were each an organisation with a key
    of its own.

    >>> {organisation_fold(n) for n in ("Councıl", "\u0421\u043euncil",
    ...  "Coun\u200bcil", "Co\u0308uncil", "COUNC\u0130L")} == {"council"}
    True
    """
    visible = _INVISIBLE.sub("", name or "")
    spelt = unicodedata.normalize("NFKC", organisation_spelling(visible) or "")
    folded = unicodedata.normalize("NFKD", spelt.casefold())
    bare = "".join(
        ch for ch in folded if not unicodedata.combining(ch) and not ch.isspace()
    )
    return unicodedata.normalize("NFKC", bare.translate(_LOOK_ALIKES))


#: Letters of Cyrillic and Greek (and Latin's dotless ``ı`` and ``ȷ``), case
#: folded, that are drawn as a Latin letter, as that letter: the common entries
#: of Unicode's ``confusables.txt`` (TR39) for these scripts, upper case
#: included (``Н`` as ``H``, folded ``н``). Enough to make a look-alike
#: organisation name one with the name it imitates (:func:`organisation_fold`);
#: a new name mixing scripts is refused anyway (:func:`organisation_name_problem`).
_LOOK_ALIKES: Final = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "ѐ": "e", "ё": "e",
        "һ": "h", "н": "h", "і": "i", "ї": "i", "ӏ": "l", "ј": "j", "к": "k",
        "м": "m", "о": "o", "р": "p", "ԛ": "q", "ѕ": "s", "т": "t", "у": "y",
        "ү": "y", "ԝ": "w", "х": "x", "г": "r", "п": "n",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "m",
        "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y",
        "ζ": "z", "ω": "w",
        # Latin letters drawn as another
        "ı": "i", "ȷ": "j", "ɑ": "a", "ɡ": "g", "ſ": "s",
    }
)  # fmt: skip

#: Scripts a name may mix (Unicode TR39's "highly restrictive" level): Latin
#: with Han and the Japanese kana, or with Han and Hangul. Any other two scripts
#: in one organisation's name are refused.
_SCRIPTS_TOGETHER: Final = (
    frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "CJK", "HANGUL"}),
)


def _script(ch: str) -> str | None:
    """The script of letter ``ch`` as the first word of its Unicode name
    (``LATIN``, ``CYRILLIC``, ``GREEK``, ``CJK``...), of its compatibility
    form (NFKC: the ordinal ``º`` is Latin, a half-width ``ｶ`` Katakana); None
    for a character that is not a letter (digits, punctuation, marks: common
    to scripts) nor for a modifier letter (category ``Lm``: the Japanese
    ``ー`` and ``々``, the ``ʼ``), which are written with several scripts.

    >>> [_script(c) for c in "aСºｶー々中1"]
    ['LATIN', 'CYRILLIC', 'LATIN', 'KATAKANA', None, None, 'CJK', None]
    """
    letter = unicodedata.normalize("NFKC", ch)[:1] or ch
    if unicodedata.category(letter) not in ("Lu", "Ll", "Lt", "Lo"):
        return None
    return unicodedata.name(letter, "UNKNOWN").split(" ", 1)[0]


def organisation_name_problem(name: str | None) -> str | None:
    """Why ``name`` (as typed) may not be a NEW organisation's name, else None.

    An organisation's name as stored derives its pseudonym key (setting
    ``pseudonym_scope`` ``organisation``), so a name that reads as another
    makes a second organisation with a key of its own: refused are a name
    holding an invisible or format character (zero width space, joiners,
    bidirectional controls, soft hyphen: :data:`_INVISIBLE_SPACES` and
    Unicode category ``Cf``/``Cc``), and one whose letters mix scripts
    (Cyrillic or Greek beside Latin, "Соuncil"), as Unicode TR39's
    highly restrictive level (:data:`_SCRIPTS_TOGETHER`). Names already stored
    are not asked (their keys stay).

    >>> organisation_name_problem("Leeds City Council") is None
    True
    >>> organisation_name_problem("\u0421ouncil")
    "mixes letters of the CYRILLIC and LATIN scripts ('С' is CYRILLIC CAPITAL LETTER ES)"
    >>> organisation_name_problem("Coun\u200bcil")
    'holds an invisible character (U+200B ZERO WIDTH SPACE)'
    """
    for ch in name or "":
        if ch in "\t\n\r":
            continue
        if _INVISIBLE.match(ch) or unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cn"):
            label = unicodedata.name(ch, "unnamed")
            return f"holds an invisible character (U+{ord(ch):04X} {label})"
    scripts: dict[str, str] = {}
    for ch in name or "":
        script = _script(ch)
        if script is not None:
            scripts.setdefault(script, ch)
    if len(scripts) < 2 or any(set(scripts) <= ok for ok in _SCRIPTS_TOGETHER):
        return None
    minor = min(scripts, key=lambda k: (k == "LATIN", k))
    ch = scripts[minor]
    named = " and ".join(sorted(scripts))
    return (
        f"mixes letters of the {named} scripts ({ch!r} is "
        f"{unicodedata.name(ch, 'unnamed')})"
    )


def live_organisations(held: Iterable[tuple[str | None, bool]]) -> list[str]:
    """The organisations of accounts (``held``: each account's organisation as
    stored and whether it is enabled), once each, sorted, without a spelling
    superseded: one whose accounts are all disabled beside another spelling of
    its :func:`organisation_fold` held by an enabled account.

    Two spellings made before a second was refused are made one by disabling
    the accounts of one and making them again in the other (there is no
    deleting an account): the disabled spelling still counted, so the warning
    of two spellings stayed, and a name typed in neither ("COUNCIL": a
    tasking, a plan lead, ``--org``) could go to the disabled one, which no
    one reads. An organisation whose accounts are all disabled and has no
    other spelling is kept (its accounts may be enabled again).

    >>> live_organisations([("Council", False), ("council ", True), (None, True)])
    ['council ']
    >>> live_organisations([("Council", False), ("probation", False)])
    ['Council', 'probation']
    """
    enabled: dict[str, bool] = {}
    for org, on in held:
        if org:
            enabled[org] = enabled.get(org, False) or on
    live_folds = {organisation_fold(org) for org, on in enabled.items() if on}
    return sorted(
        org
        for org, on in enabled.items()
        if on or organisation_fold(org) not in live_folds
    )


def split_organisations(orgs: Iterable[str | None]) -> list[tuple[str, ...]]:
    """The organisations ``orgs`` (accounts' organisations as stored) write in
    more than one spelling of one :func:`organisation_fold`, each as its
    spellings, sorted: under ``pseudonym_scope`` ``organisation`` each spelling
    is an organisation of its own, with its own key, taskings and actions (a
    store whose accounts were made before a second spelling was refused).

    >>> split_organisations(["Council", "council ", "probation", "Council", None])
    [('Council', 'council ')]
    """
    spellings: dict[str, set[str]] = {}
    for org in orgs:
        if org:
            spellings.setdefault(organisation_fold(org), set()).add(org)
    return sorted(tuple(sorted(s)) for s in spellings.values() if len(s) > 1)


def typed_pseudonyms(texts: Iterable[str | None]) -> dict[str, tuple[str, str]]:
    """Each whole word of ``texts`` shaped like a pseudonym of a kind of
    :data:`TYPED_KINDS` (prefix, hyphen, 12 upper-case hex digits, as
    :class:`Pseudonymiser` writes it), to its ``(kind, digits)``.

    >>> typed_pseudonyms(["visited P-B43176F1E42D, I-00000000000A; xP-B43176F1E42D"])
    {'P-B43176F1E42D': ('person', 'B43176F1E42D'), 'I-00000000000A': ('incident', '00000000000A')}
    """
    kinds = {PREFIXES[k]: k for k in TYPED_KINDS}
    return {
        m.group(0): (kinds[m.group(1)], m.group(2))
        for t in texts
        if t
        for m in _TYPED_PSEUDONYM.finditer(t)
    }


def pseudonymiser_for(
    key: str | None,
    *,
    rotation: str = "none",
    at: dt.datetime | dt.date | None = None,
    allow_demo: bool = False,
    scope: str | None = None,
) -> Pseudonymiser:
    """The pseudonymiser of a partner output, refusing keys unfit for real data.

    Parameters
    ----------
    key
        The deployment secret (setting ``pseudonym_key``).
    rotation
        ``none`` (one stable key: partners can link a person across outputs),
        ``monthly`` or ``quarterly`` (a key per period, derived from the secret;
        outputs must not show one item in two periods, or they link the periods'
        pseudonyms: :func:`period_start`).
    at
        The time the output is about (chooses the period); needed unless ``none``.
    allow_demo
        Accept a missing key and use :data:`DEMO_KEY` (``avert demo`` only).
    scope
        The reader's key (:func:`reader_scope`; None: the secret's).

    Raises
    ------
    ConfigError
        No key, the demo key, a short or guessable key (unless ``allow_demo``), or
        an unknown rotation.
    """
    if allow_demo and not key:
        return Pseudonymiser(None, scope=scope)
    check_key(key)
    if rotation != "none" and at is None:
        msg = "A rotating pseudonym key needs the time of the output ('at')."
        raise ConfigError(msg)
    if rotation not in ROTATIONS:
        period_of(dt.date.min, rotation)  # raises the ConfigError
    period = None if rotation == "none" or at is None else period_of(at, rotation)
    return Pseudonymiser(key, period=period, scope=scope)


def _withhold_actions(p: Pseudonymiser, actions: pl.DataFrame) -> pl.DataFrame:
    """Targets as pseudonyms (an area as named, a place none), titles withheld
    (:func:`withhold_action_titles`). The plan's action id stays as written in the
    plan where the reader reads it on the plan board, my actions and the action
    page too; another organisation's action on a person, group or incident
    (which a partner's plan board does not list) keeps a keyed pseudonym of its
    id under ``pseudonym_scope`` ``organisation`` (:func:`_action_ids_shown`)."""
    kinds = {"person": "person", "group": "group", "incident": "incident"}
    targets = actions["target_type"].to_list()
    mapped = [
        p(kinds[t], i) if t in kinds and i is not None else (i if t == "area" else None)
        for t, i in zip(targets, actions["target_id"].to_list(), strict=True)
    ]
    return withhold_action_titles(
        actions.with_columns(
            pl.Series("target_id", mapped, dtype=pl.String),
            pl.Series("action_id", _action_ids_shown(p, actions), dtype=pl.String),
        )
    )


def _action_ids_shown(p: Pseudonymiser, actions: pl.DataFrame) -> list[str]:
    """Each action's id as a partner reads it: as the plan writes it, but a keyed
    pseudonym of it for an action on a person, group or incident that another
    organisation leads, under a partner's own key (``p.scope``
    ``organisation:ORG``). The plan's id beside a pseudonym of its subject is a
    key every reader shares: two organisations reading one action by its id
    link their pseudonyms of its subject, which their own keys are to prevent;
    a partner's plan board lists only its own organisation's actions, so
    another's id named it nowhere else (its action page is refused)."""
    ids = [str(i) for i in actions["action_id"].to_list()]
    scope = p.scope or ""
    if not scope.startswith("organisation:"):
        return ids  # one shared key, or the board's (its plan board lists them all)
    own = organisation_fold(scope.removeprefix("organisation:"))
    return [
        i
        if t not in ("person", "group", "incident") or organisation_fold(lead) == own
        else p("action", i)
        for i, t, lead in zip(
            ids,
            actions["target_type"].to_list(),
            actions.get_column("lead_organisation", default=pl.repeat(None, len(ids)))
            .cast(pl.String)
            .to_list(),
            strict=True,
        )
    ]


def withhold_action_titles(
    actions: pl.DataFrame, *, own_organisation: str | None = None
) -> pl.DataFrame:
    """``actions`` with the free text of each action on a person, group or incident
    withheld (:data:`POLICE_ONLY` ``actions``): free text about a subject may name
    them. The title becomes a note, and so do ``evidence`` and ``rag_reason``
    except on actions ``own_organisation`` leads (it wrote them, and edits them on
    the action page). Every partner and board view of actions applies it."""
    if actions.height == 0:
        return actions
    about_someone = pl.col("target_type").is_in(list(TITLE_WITHHELD_TARGETS))
    out = actions
    if "title" in out.columns:
        out = out.with_columns(
            pl.when(about_someone)
            .then(pl.lit(_WITHHELD_TITLE))
            .otherwise(pl.col("title"))
            .alias("title")
        )
    theirs = (
        pl.lit(value=False)
        if own_organisation is None or "lead_organisation" not in out.columns
        else (pl.col("lead_organisation") == own_organisation).fill_null(value=False)
    )
    for column in ("evidence", "rag_reason"):
        if column in out.columns:
            out = out.with_columns(
                pl.when(about_someone & ~theirs & pl.col(column).is_not_null())
                .then(pl.lit(_WITHHELD_TEXT))
                .otherwise(pl.col(column))
                .alias(column)
            )
    return out


#: Tasking items whose id is a person, incident, group or place (pseudonymised);
#: cells and areas are not identifiers of anyone.
_TASKING_ITEM_KINDS: Final = {
    kind: subject
    for kind, subject in ITEM_KINDS.items()
    if kind not in ("cell", "area")
}


def pseudonymise_text(
    text: str | None, real: str | None, shown: str | None
) -> str | None:
    """``text`` with each whole-word ``real`` id, in any case, replaced by ``shown``,
    its pseudonym.

    A tasking's what and result are free text written by police, and they name
    the tasking's subject by its id (the meeting's "Task this" writes "Follow up
    repeat_victim:P0002967" when nothing is typed): a partner reads them under the
    subject's pseudonym, else the text shows the id beside it. Typed text may
    write the id in another case (``p12``): it is the same id to a reader.

    >>> pseudonymise_text("Follow up person:P12; P123 next, p12", "P12", "P-ABC")
    'Follow up person:P-ABC; P123 next, P-ABC'
    """
    if not text or not real or shown is None or real == shown:
        return text
    parts, at = [], 0
    for a, b in id_spans(text, real):
        parts += [text[at:a], shown]
        at = b
    return "".join(parts) + text[at:]


#: A word of free text that may be a record id, or a part of one: a letter or
#: digit (after a ``#``, as in ``#1234``), then letters, digits and ``_-:/.#``,
#: ending in a letter or digit (a full stop ending a sentence is not part of it;
#: nor is a ``#`` alone or before a space, as a heading's). Those with a digit are
#: asked of the store (:func:`id_candidates`).
ID_TOKEN: Final = r"#?[0-9A-Za-z](?:[0-9A-Za-z_\-:/.#]*[0-9A-Za-z])?"
#: Separators of the parts of one id word whose runs are tried as ids.
_ID_SEPARATORS: Final = r"([_\-:/.#])"
#: Most parts (split at ``_-:/.#``) of one word whose runs are tried as ids.
_MAX_PARTS: Final = 8
#: Most words of an id written with spaces (``CAD 1234 22``).
_MAX_ID_WORDS: Final = 3
#: A date or a clock time as written (``12/03/2025``, ``2025-03-12``, ``12.3.25``,
#: ``10:30``, ``10.30pm``, ``1030hrs``): never asked of the store as an id, nor
#: are its parts.
_DATE_OR_TIME: Final = re.compile(
    r"\d{1,4}([/.\-])\d{1,2}\1\d{1,4}"
    r"|\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:am|pm|hrs?|h)?"
    r"|\d{1,2}(?:am|pm)|\d{4}hrs?",
    re.IGNORECASE,
)


def _id_runs(word: str) -> set[str]:
    """``word`` and each run of its parts split at ``_-:/.#`` that holds a digit
    (``person:P12`` gives ``P12``, ``#77`` gives ``77``), none of them a date or a
    time (after a ``#`` too)."""
    if _DATE_OR_TIME.fullmatch(word.lstrip("#")):
        return set()
    parts = re.split(_ID_SEPARATORS, word)[: 2 * _MAX_PARTS - 1]
    runs = {
        "".join(parts[start:end])
        for start in range(0, len(parts), 2)
        for end in range(start + 1, len(parts) + 1, 2)
    }
    return {
        r
        for r in runs
        if any(ch.isdigit() for ch in r) and not _DATE_OR_TIME.fullmatch(r.lstrip("#"))
    }


def _spaced_runs(text: str) -> set[str]:
    """Runs of 2 to :data:`_MAX_ID_WORDS` words of ``text`` one space apart, one
    of them with a digit and none a date or time: ids written with spaces
    (``CAD 1234``)."""
    words = [(m.group(0), m.start(), m.end()) for m in re.finditer(ID_TOKEN, text)]
    out: set[str] = set()
    for i in range(len(words)):
        for n in range(2, _MAX_ID_WORDS + 1):
            run = words[i : i + n]
            if len(run) < n or any(
                text[a[2] : b[1]] != " " for a, b in itertools.pairwise(run)
            ):
                break
            if any(
                any(ch.isdigit() for ch in w)
                and not _DATE_OR_TIME.fullmatch(w.lstrip("#"))
                for w, _, _ in run
            ):
                out.add(" ".join(w for w, _, _ in run))
    return out


def id_candidates(texts: Iterable[str | None]) -> list[str]:
    """The words of ``texts`` that may be record ids, to ask the store about.

    Each word of :data:`ID_TOKEN` with a digit (``CAD/1234/22``, ``P.0042``), and
    each run of its parts split at ``_-:/.#`` (``person:P12`` gives ``P12`` too, as
    :func:`pseudonymise_text` matches ``P12`` in it; ``CAD#1234`` and ``#1234``
    give ``1234``); runs of two or three words one space apart, one with a digit
    (``CAD 1234``, ``ref #77``); each as typed, upper- and lower-cased: a stored
    id matches a word in any case when it is stored in one case. A date or a time
    (``12/03/2025``, ``10.30``) is no candidate, nor are its parts, and a word
    without a digit is none: only a candidate that is a stored id is ever replaced.

    >>> found = id_candidates(["met person:p12 at 3pm on 12/03/2025", None])
    >>> {"p12", "P12", "person:p12", "met person:p12"} <= set(found), "3pm" in found
    (True, False)
    >>> id_candidates(["ref CAD/12/22."])[:5]
    ['12', '12/22', '22', 'CAD/12', 'CAD/12/22']
    """
    present = [r for t in texts if t for r in _id_readings(t)]
    words = (
        pl.Series("t", present, dtype=pl.String)
        .str.extract_all(ID_TOKEN)
        .explode()
        .drop_nulls()
        .unique()
    )
    words = words.filter(words.str.contains("[0-9]"))
    out: set[str] = set()
    for word in words.to_list():  # distinct words of a few texts, not rows
        out.update(_id_runs(word))
    for text in present:
        out.update(_spaced_runs(text))
    return sorted({v for run in out for v in (run, run.upper(), run.lower())})


#: Invisible characters that part words as a space does, as a pattern's
#: character class: Unicode's default ignorable code points
#: (DerivedCoreProperties.txt, Default_Ignorable_Code_Point), the format
#: characters no font draws: zero width space (U+200B), word joiner (U+2060),
#: zero width no-break space (U+FEFF), zero width (non-)joiner (U+200C,
#: U+200D), soft hyphen (U+00AD), the bidirectional marks, embeddings and
#: isolates (U+200E, U+200F, U+202A-202E, U+2066-2069, U+061C), the invisible
#: operators (U+2061-2064), the Mongolian vowel separator (U+180E), variation
#: selectors, tags, and the Hangul fillers (U+3164, U+FFA0: letters to the
#: regular expression engine, drawn blank). Text pasted from a web page, a
#: chat or a word processor holds them between a name's words ("John\u200b
#: Smith" reads "John Smith"); read as part of a word, the run was no name and
#: its stored name was shown to partners.
_INVISIBLE_SPACES: Final = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
#: One of :data:`_INVISIBLE_SPACES`.
_INVISIBLE: Final = re.compile(f"[{_INVISIBLE_SPACES}]")
#: A letter and the combining marks after it (the Unicode blocks of marks; not
#: an invisible character, :data:`_INVISIBLE_SPACES`).
_LETTER: Final = (
    r"[^\W\d_\u115f\u1160\u3164\uffa0]"
    r"[\u0300-\u034e\u0350-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]*"
)
#: A word of a name: letters, joined by an apostrophe, hyphen or full stop
#: (``O'Brien``, ``Smith-Jones``), but not by a possessive's ``'s`` (``Doe's
#: mum`` writes the name ``Doe``: read as ``Doe's``, it was no stored name, and
#: shown). A letter takes the combining marks written after it (Yoruba "ọ̀",
#: ``ọ`` + U+0300, has no single character: the word was cut at the mark).
_NAME_WORD: Final = rf"(?:{_LETTER})+(?:['’.\-](?![sS](?![^\W\d_]))(?:{_LETTER})+)*"
#: The apostrophe a word processor or phone types (``O’Neil``), compared as ``'``.
_CURLY: Final = "\u2019"
#: A pattern of white space between two words of a name: any run of white
#: space or :data:`_INVISIBLE_SPACES`.
_NAME_GAP: Final = rf"[\s{_INVISIBLE_SPACES}]+"
#: One character that is not of :data:`_INVISIBLE_SPACES`.
_VISIBLE: Final = re.compile(f"[^{_INVISIBLE_SPACES}]", re.DOTALL)
#: Most words of a name looked for in free text.
MAX_NAME_WORDS: Final = 6
#: What a name two stored people share is shown as (a pseudonym would say which).
NAME_WITHHELD: Final = "[name withheld]"
#: The start of a key of shown words that is one word of a name, matched only
#: written with a capital (``^young`` matches "Young", "YOUNG", not "young"):
#: :func:`one_word_names`.
CAPITALISED: Final = "^"
#: The start of a key of shown words that is a stored id (lower case) found run
#: into other letters or digits of a word ("xP0000123", "P0000123visit"):
#: matched anywhere in a word, in any case, and shown as its pseudonym as a
#: whole-word key is (:class:`_ShownFinder`).
GLUED: Final = "\x01"
#: How many words from another clue of the same person (their id or full name)
#: one word of their name is withheld at (:func:`one_word_names`).
ONE_WORD_WITHIN: Final = 12


def one_word_names(
    texts: Sequence[str | None],
    people: Mapping[str, tuple[Iterable[str], Iterable[str]]],
    *,
    within: int = ONE_WORD_WITHIN,
) -> dict[str, str]:
    """The words of a stored person's name written alone in ``texts`` (a
    surname, a first name, a part of a double-barrelled one) to withhold, each
    to :data:`NAME_WITHHELD` under its :data:`CAPITALISED` key: one written with
    a capital, as a whole word, within ``within`` words of another clue of the
    same person in the same text (their
    id or full name, as shown: ``people`` maps each person to their clue keys,
    :func:`name_key` forms, and their name's words).

    Why this rule: a surname alone ("Young", "Green") is an ordinary word, and
    a store of 200,000 names holds nearly every one; a name's word beside a
    clue of its person is that person's, and what it tells is already told by
    the clue (now a pseudonym). Each text is one piece of another writer's
    words (:func:`foreign_pieces`): a reader's own words are neither searched
    nor a clue, so typing a word or an id tells it nothing. The marker names no
    one (a pseudonym would say whose name the word is).

    >>> people = {"P12": (["p12", "amy young"], ["amy", "young"])}
    >>> one_word_names(["P12 seen; Young said so", "young people"], people)
    {'^young': '[name withheld]'}
    """
    return {
        k: v
        for found in one_word_names_each(texts, people, within=within)
        for k, v in found.items()
    }


def one_word_names_each(
    texts: Sequence[str | None],
    people: Mapping[str, tuple[Iterable[str], Iterable[str]]],
    *,
    within: int = ONE_WORD_WITHIN,
    present: Sequence[Iterable[str]] | None = None,
) -> list[dict[str, str]]:
    """:func:`one_word_names` of each of ``texts`` on its own, ``people``
    indexed once for them all. ``present``: per text, the people (of
    ``people``) whose clue counts as written all through it, wherever the
    word is (a tasking's subject, which its reader reads every text of the
    tasking as about: a word of the subject's name anywhere in it links the
    name to the subject's pseudonym)."""
    owners: dict[str, set[str]] = {}
    named: dict[str, set[str]] = {}
    for person, (clues, name) in people.items():
        for key in clues:
            if key.strip():
                owners.setdefault(name_key(key), set()).add(person)
        named[person] = {w for w in _name_parts(name) if len(w) > 1}
    every = {w for ws in named.values() for w in ws}
    around = [set(p) & named.keys() for p in present or [()] * len(texts)]
    if not every or not (owners or any(around)):
        return [{} for _ in texts]
    pattern = _clue_pattern(frozenset(owners)) if owners else None
    return [
        _one_word_in(_nfc(text), pattern, owners, named, every, within, subjects)
        if text
        else {}
        for text, subjects in zip(texts, around, strict=True)
    ]


def _name_parts(words: Iterable[str]) -> set[str]:
    """A name's ``words`` and the parts of each double-barrelled one
    (``smith-jones`` gives ``smith`` and ``jones`` too): Amy Smith-Jones is
    written "Amy Smith" or "Mrs Jones" as often as in full, and each part beside
    her clue is her name as much as the whole.

    >>> sorted(_name_parts(["amy", "smith-jones"]))
    ['amy', 'jones', 'smith', 'smith-jones']
    """
    return {part for w in words for part in (w, *w.split("-"))}


def _one_word_in(
    text: str,
    pattern: re.Pattern[str] | None,
    owners: Mapping[str, set[str]],
    named: Mapping[str, set[str]],
    every: set[str],
    within: int,
    subjects: set[str],
) -> dict[str, str]:
    """The words of ``text`` :func:`one_word_names` withholds: ``pattern``
    finds the clues, ``owners`` says whose each is, ``named`` each person's
    name words (``every``: all of them), ``subjects`` the people whose clue
    is everywhere in it."""
    words = [(m.start(), m.group(0)) for m in re.finditer(_NAME_WORD, text)]
    if not any(w[0].isupper() and name_key(w) in every for _, w in words):
        return {}  # most texts write no word of a named person's name
    starts = [a for a, _ in words]
    found = [
        (
            bisect.bisect_left(starts, m.start()),
            bisect.bisect_left(starts, m.end()),
            owners.get(name_key(m.group(0)), set()),
        )
        for m in (pattern.finditer(text) if pattern else ())
    ]
    everywhere = {w for p in subjects for w in named[p]}
    out: dict[str, str] = {}
    for at, (_, word) in enumerate(words):
        low = name_key(word)
        if not word[0].isupper() or low not in every:
            continue
        if any(a <= at < b for a, b, _ in found):
            continue  # a word of the clue itself
        if low in everywhere or any(
            a - within <= at < b + within and any(low in named[p] for p in who)
            for a, b, who in found
        ):
            out.setdefault(CAPITALISED + low, NAME_WITHHELD)
    return out


@functools.lru_cache(maxsize=16)
def _clue_pattern(keys: frozenset[str]) -> re.Pattern[str]:
    """:func:`_shown_pattern` of ``keys``, kept: one output asks
    :func:`one_word_names` of each of its texts with the same people."""
    return _shown_pattern(keys)


def name_key(name: str) -> str:
    """A name as compared: lower case, words one space apart, an apostrophe
    as ``'`` (``O’Neil`` as a word processor or phone types it: :data:`_CURLY`),
    its accents composed (Unicode NFC: ``Zoe`` + U+0308, as text pasted from a
    Mac may hold it, is ``Zoë``; :func:`_nfc`).

    >>> name_key("  John   O’NEIL ")
    "john o'neil"
    >>> name_key("Zoe\u0308") == name_key("Zo\u00eb") == "zo\u00eb"
    True
    """
    return " ".join(_as_spaces(_nfc(name)).lower().replace(_CURLY, "'").split())


def _as_spaces(text: str) -> str:
    """``text`` with each invisible character (:data:`_INVISIBLE_SPACES`) as a
    space."""
    return text if text.isascii() else _INVISIBLE.sub(" ", text)


def _readings(text: str) -> list[str]:
    """The ways ``text`` reads with its invisible characters
    (:data:`_INVISIBLE_SPACES`): as written, where each parts words as a space
    does ("John\u200bSmith"), and without them, where one is inside a word (a
    soft hyphen in "Quenn\u00adith", a zero width space in "P\u200b0000032":
    cut at it, the word was no stored name or id, and was shown to partners).
    A name holding both kinds is read neither way.

    >>> _readings("Quenn\u00adith Quxbyaah") == ["Quenn\u00adith Quxbyaah",
    ...     "Quennith Quxbyaah"]
    True
    >>> _readings("John Smith")
    ['John Smith']
    """
    if text.isascii() or not _INVISIBLE.search(text):
        return [text]
    return [text, _INVISIBLE.sub("", text)]


@functools.lru_cache(maxsize=8192)
def _id_char(ch: str) -> str:
    """What one non-ASCII character ``ch`` reads as in a record id
    (:func:`_id_fold`): nothing for a default ignorable code point
    (:data:`_INVISIBLE_SPACES`), any other format character (General Category
    Cf: U+FFF9, the Egyptian hieroglyph joiners, the Arabic number signs, drawn
    as nothing or beside the digits, which still read) or a combining mark
    (General Category Mn, Me: an id is ASCII, and a mark drawn on one of its
    characters leaves that character as read); a decimal digit of any script (General Category Nd:
    Arabic-Indic ``٣``, Devanagari ``३``, fullwidth ``３``, mathematical
    ``𝟑``) as its ASCII digit; its NFKC form where that is ASCII (fullwidth
    ``Ｐ`` as ``P``, ``①`` as ``1``); a Cyrillic, Greek or Latin letter drawn
    as an ASCII one as that letter (:data:`_LOOK_ALIKES`: ``Р`` as ``p``); an
    ASCII letter with its accent composed (``Ṕ``) as the letter;
    :data:`_ID_SPACE` for any other space (General Category Zs: NBSP, narrow
    NBSP, thin space); else itself.

    >>> [_id_char(c) for c in "\u200b\u0301\u0663\uff10\u0420\u202f\u0142"]
    ['', '', '3', '0', 'p', '\\x00', 'ł']
    """
    category = unicodedata.category(ch)
    if category in ("Cf", "Mn", "Me") or _INVISIBLE.match(ch):
        return ""
    if category == "Zs":
        return _ID_SPACE
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    compat = unicodedata.normalize("NFKC", ch)
    if compat.isascii():
        return compat
    alike = compat.lower().translate(_LOOK_ALIKES)
    if alike.isascii():
        return alike
    bare = "".join(  # a letter and its accent as one character: "Ṕ" as "P"
        c
        for c in unicodedata.normalize("NFKD", ch)
        if unicodedata.category(c) not in ("Mn", "Me")
    )
    return bare if bare.isascii() and bare else ch


#: What :func:`_id_char` gives for a space other than U+0020 (General Category
#: Zs): nothing between two ASCII letters or digits (a digit group separator, as
#: CLDR's locales write NBSP or a narrow NBSP in "1 000"), else a space.
_ID_SPACE: Final = "\x00"


@functools.lru_cache(maxsize=1024)
def _id_fold(text: str) -> tuple[str, array.array[int]] | None:
    """``text`` as a record id in it reads, and the place in ``text`` of each
    of its characters; None when it reads as written (ASCII text, most).

    The rule (documented in docs/delivery.md, "Ids written with invisible or
    look-alike characters"): each character as :func:`_id_char` reads it,
    which is Unicode's NFKC with the default ignorable code points removed
    (``NFKC_Casefold`` of UAX #44 without the case folding: ids are matched
    in any case anyway), the start Unicode TR #36 (Security Considerations)
    and UTS #39 (Security Mechanisms, identifier matching) give, with combining
    marks removed, every script's decimal digits as ASCII digits and the
    common Latin look-alike letters of TR #39's confusables as Latin. A stored
    id written "P0000123" + U+200B + "45" is the run-on "P000012345", not its
    pseudonym and "45"; "Ｐ００００１２３" and "P٠٠٠٠١٢٣" are "P0000123".
    Read for ids only: a match in this reading holds a digit (:func:`_found`).
    Kept for the last texts asked (each is read several times an output), the
    places as 4-byte integers.

    >>> read, places = _id_fold("P\u200b0\u0663 x")
    >>> read, list(places)
    ('P03 x', [0, 2, 3, 4, 5])
    >>> _id_fold("Amy Doe") is None, _id_fold("Łukasz") is None
    (True, True)
    """
    if text.isascii():
        return None
    chars = [ch if ch.isascii() else _id_char(ch) for ch in text]
    if all(c == ch for c, ch in zip(chars, text, strict=True)):
        return None
    out: list[str] = []
    places = array.array("I")
    last = ""
    for i, read in enumerate(chars):
        if read == _ID_SPACE:
            ahead = chars[i + 1 : i + 5]
            after = next((c[:1] for c in ahead if c and c != _ID_SPACE), "")
            read = "" if _word_char(last) and _word_char(after) else " "
        out.append(read)
        places.extend([i] * len(read))
        last = read[-1:] or last
    return "".join(out), places


def _id_readings(text: str) -> list[str]:
    """``text``'s :func:`_readings` and, where ids in it read otherwise, its
    :func:`_id_fold`."""
    readings = _readings(text)
    folded = _id_fold(text)
    if folded is not None and folded[0] not in readings:
        readings.append(folded[0])
    return readings


def id_matches(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, str]]:
    """``(start, end, read)`` of each match of ``pattern`` in ``text`` and in its
    :func:`_id_fold` (at ``text``'s places; ``read`` the match as matched), the
    first and longest where two overlap: where an id pattern finds an id
    written with invisible or look-alike characters.

    >>> p = re.compile("p12(?![0-9])", re.IGNORECASE)
    >>> id_matches(p, "P\u200b12, P12 and \uff30\uff11\uff12\u200b3")
    [(0, 4, 'P12'), (6, 9, 'P12')]
    """
    found = [(m.start(), m.end(), m.group(0)) for m in pattern.finditer(text)]
    folded = _id_fold(text)
    if folded is not None:
        read, places = folded
        found += [
            (places[m.start()], places[m.end() - 1] + 1, m.group(0))
            for m in pattern.finditer(read)
            if m.end() > m.start()
        ]
        found.sort(key=lambda s: (s[0], -s[1]))
    out: list[tuple[int, int, str]] = []
    for a, b, read_as in found:
        if not out or a >= out[-1][1]:
            out.append((a, b, read_as))
    return out


def id_spans(text: str, real: str) -> list[tuple[int, int]]:
    """Where ``text`` writes the id ``real`` (in any case) as a whole word, as
    :func:`pseudonymise_text` replaces it: a whole word as written, or as
    :func:`_id_fold` reads it ("P" + U+200B + "12", fullwidth "Ｐ１２"), but not
    where its digits go on into more as read ("P12" + U+200B + "3" is the
    run-on "P123": :func:`glued_id_pattern`).

    >>> id_spans("P12; P\u200b12; P12\u200b3; p12x", "P12")
    [(0, 3), (5, 9)]
    """
    whole = re.compile(
        rf"(?<![0-9A-Za-z]){re.escape(real)}(?![0-9A-Za-z])", re.IGNORECASE
    )
    spans = [(m.start(), m.end()) for m in whole.finditer(text)]
    folded = _id_fold(text)
    if folded is None:
        return spans
    read, places = folded
    as_read = {
        (places[m.start()], places[m.end() - 1] + 1) for m in whole.finditer(read)
    }
    glued = {
        (places[m.start()], places[m.end() - 1] + 1)
        for m in glued_id_pattern([real]).finditer(read)
    }
    return sorted(as_read | (set(spans) & glued))


def id_texts(texts: Iterable[str | None]) -> list[str]:
    """``texts`` (those not empty) and the :func:`_id_fold` of each that reads
    otherwise as ids: what the runs of letters and digits in which a stored id
    may be glued or run on are looked for in
    (:func:`avert.workflows.delivery.stored_ids_shown`).

    >>> id_texts(["P0000123\u200b45", "ok", None])
    ['P0000123\u200b45', 'ok', 'P000012345']
    """
    present = [t for t in texts if t]
    return present + [f[0] for t in present if (f := _id_fold(t)) is not None]


def _nfc(text: str) -> str:
    """``text`` in Unicode normal form C (accents composed with their letters).

    One name reads alike written composed (``ë``, U+00EB, as most keyboards
    type it) or decomposed (``e`` + U+0308); compared as written, a stored name
    in one form was no name written in the other, and was shown to partners.
    Names and texts are compared in this form; texts are shown as written
    (:func:`_any_form` finds a name in either).
    """
    return unicodedata.normalize("NFC", text)


def stored_name_key_expr(name: pl.Expr, *, surname_first: bool) -> pl.Expr:
    """A stored name as :func:`name_key` gives it, for a whole column at once; with
    ``surname_first`` (a person's name), one written "Surname, Forenames", as police
    systems often hold it, as "forenames surname": the key the words of free text
    are asked by (:func:`name_candidates`)."""
    key = (
        name.str.normalize("NFC")
        .str.to_lowercase()
        .str.replace_all(_CURLY, "'", literal=True)
        .str.replace_all(_NAME_GAP, " ")
        .str.strip_chars()
    )
    if surname_first:
        key = key.str.replace(r"^([^,]+?) ?, ?([^,]+)$", "${2} ${1}")
    return key


def stored_name_key(name: str, *, surname_first: bool = True) -> str:
    """One stored name's key (:func:`stored_name_key_expr`).

    >>> stored_name_key("SMITH,  John Paul")
    'john paul smith'
    """
    return str(
        pl.select(
            stored_name_key_expr(pl.lit(name), surname_first=surname_first)
        ).item()
    )


def name_candidates(
    texts: Iterable[str | None],
    *,
    min_words: int = 2,
    known: Container[str] | None = None,
) -> list[str]:
    """The runs of ``min_words`` to :data:`MAX_NAME_WORDS` words of ``texts`` that
    may be a stored name, as :func:`name_key` gives them, to ask the store about.

    A run is written in full order (``John Smith``) or surname first (``Smith
    John``, ``SMITH, John``): both are asked as the full name (``john smith``), so
    the store is asked for each name only by the words the text holds. Each is
    asked lower-cased in full and with only its ASCII letters lower-cased
    (``Łukasz nowak``), as SQLite's ``lower`` (and PostgreSQL's under the ``C``
    collation) lower-cases the stored name.

    ``known``: the words of every stored name's key (an index made once per
    output: :meth:`avert.store.queries.StoredNames.words`); a run holding a word
    none has is not asked, and no longer run from it is formed. A key is its
    words one space apart, so a run left out equals no stored key: what the
    store finds is the same, and a force's texts are searched a few times faster
    (most of their words are in no name).

    >>> found = name_candidates(["spoke to SMITH, John today"])
    >>> "john smith" in found, "smith john" in found, len(found)
    (True, False, 10)
    >>> name_candidates(["spoke to SMITH, John today"], known={"john", "smith"})
    ['john smith']
    >>> name_candidates(["ŁUKASZ NOWAK"])[2:]
    ['Łukasz nowak', 'łukasz nowak']
    """
    out: set[str] = set()
    for text in texts:
        for reading in _readings(_nfc(text)) if text else ():
            out.update(_name_runs(reading, max(min_words, 1), known))
    return sorted(out)


def _name_runs(text: str, min_words: int, known: Container[str] | None) -> set[str]:
    """:func:`name_candidates` of one ``text``: each word lower-cased both ways
    once, then its runs of words whose lowered words are all ``known``."""
    matches = list(re.finditer(_NAME_WORD, text))
    forms = [
        [lower(m.group(0)).replace(_CURLY, "'") for m in matches]
        for lower in (str.lower, _lower_ascii)
    ]
    gaps = [
        _as_spaces(text[a.end() : b.start()]).strip()
        for a, b in itertools.pairwise(matches)
    ]
    out: set[str] = set()
    for i in range(len(matches)):
        for n in range(min_words, MAX_NAME_WORDS + 1):
            if i + n > len(matches) or any(gaps[i + 1 : i + n - 1]):
                break
            first = gaps[i] if n > 1 else ""
            asked = [
                parts[i : i + n]
                for parts in forms
                if known is None or all(w in known for w in parts[i : i + n])
            ]
            if not asked:
                break  # a longer run from here holds the same unknown word
            for run in asked:
                if not first:
                    out.add(" ".join(run))
                if n > 1 and first in ("", ","):
                    out.add(" ".join([*run[1:], run[0]]))
    return out


def _lower_ascii(word: str) -> str:
    """``word`` with its ASCII letters lower-cased, the others as they are."""
    return "".join(ch.lower() if ch.isascii() else ch for ch in word)


def names_person(text: str, name: str) -> bool:
    """Whether ``text`` writes the stored full ``name`` in one of the ways free
    text may (:func:`name_forms`: in full order or surname first, in any case,
    its words a run of whole words of ``text``), as the partners' pseudonyms
    replace it (:func:`avert.workflows.delivery.stored_ids_shown`): whether a
    line shown names that person.

    >>> names_person("Plan for jonah  WHITCOMBE", "Whitcombe, Jonah")
    True
    >>> names_person("Visit Whitcombe's family", "Jonah Whitcombe")
    False
    """
    forms = name_forms(name)
    return bool(forms) and _shown_pattern(forms).search(text) is not None


def name_forms(name: str) -> list[str]:
    """The ways free text may write a stored full ``name``: in full order and
    surname first, with or without a comma (:func:`name_key` forms).

    >>> name_forms("John Paul Smith")
    ['john paul smith', 'smith john paul', 'smith, john paul']
    >>> name_forms("SMITH, John") == name_forms("John Smith")
    True
    """
    words = stored_name_key(name).split()
    if len(words) < 2:  # a first name and a surname
        return [" ".join(words)] if words else []
    rest = " ".join(words[:-1])
    return [" ".join(words), f"{words[-1]} {rest}", f"{words[-1]}, {rest}"]


def glued_id_pattern(ids: Iterable[str]) -> re.Pattern[str]:
    """One pattern finding each of ``ids`` run into other letters or digits of
    a word, in any case (ids are ASCII: a match lowered is its id), the longest
    first, but not where digits go on from its digits: an id's digits are one
    number, so "P00000161" is another id, not "P0000016" and a "1" (read as
    its pseudonym and a "1", it said to a partner which stored person a typo
    or another system's id is near). Letters either side are glue
    ("xP0000016", "P0000016visit", "9P0000016"): the safe side, as a stored id
    is never shown there.

    >>> p = glued_id_pattern(["p12", "7ab"])
    >>> [m.group(0) for m in p.finditer("xP12y P123 7AB 67ab 7abc")]
    ['P12', '7AB', '7ab']
    """
    return re.compile(
        "|".join(
            ("(?<![0-9])" if k[:1].isdigit() else "")
            + re.escape(k)
            + ("(?![0-9])" if k[-1:].isdigit() else "")
            for k in sorted(set(ids), key=lambda k: (-len(k), k))
        ),
        re.IGNORECASE | re.ASCII,
    )


def _shown_pattern(keys: Iterable[str]) -> re.Pattern[str]:
    """One pattern matching each of ``keys`` as a whole word, in any case, its
    spaces as any run of white space (longest first)."""
    alternatives = "|".join(
        _capitalised(k[len(CAPITALISED) :])
        if k.startswith(CAPITALISED)
        else _NAME_GAP.join(_apostrophes(_any_form(part)) for part in k.split())
        for k in sorted(set(keys), key=lambda k: (-len(k), k))
    )
    return re.compile(
        rf"(?<![0-9A-Za-z])(?:{alternatives})(?![0-9A-Za-z])", re.IGNORECASE
    )


def _found(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Where ``pattern`` (:func:`_shown_pattern`) finds a key in ``text``, as
    ``(start, end)``: in each of its :func:`_readings`, at the places of
    ``text`` (a word read without its invisible characters spans them), the
    first and longest where two overlap. A text without invisible characters
    is searched once, as before. (A pattern allowing invisible characters
    between any two letters compiled three times slower than the search.)

    >>> p = _shown_pattern(["p12", "amy doe"])
    >>> _found(p, "P\u200b12 and Amy\u200bDoe")
    [(0, 4), (9, 16)]
    """
    found = [(m.start(), m.end()) for m in pattern.finditer(text)]
    readings = _readings(text)
    folded = _id_fold(text)
    if len(readings) == 1 and folded is None:
        return found
    if len(readings) > 1:
        at = [m.start() for m in _VISIBLE.finditer(text)]  # each kept one's place
        found += [
            (at[m.start()], at[m.end() - 1] + 1) for m in pattern.finditer(readings[1])
        ]
    if folded is not None:  # ids (a match with a digit) as :func:`_id_fold` reads
        read, places = folded
        found += [
            (places[m.start()], places[m.end() - 1] + 1)
            for m in pattern.finditer(read)
            if m.end() > m.start() and _ASCII_DIGIT.search(m.group(0))
        ]
    out: list[tuple[int, int]] = []
    for a, b in sorted(found, key=lambda s: (s[0], -s[1])):
        if not out or a >= out[-1][1]:
            out.append((a, b))
    return out


#: An ASCII digit: a match in a text's :func:`_id_fold` holds one (an id's).
_ASCII_DIGIT: Final = re.compile("[0-9]")
#: A word as the shown words' patterns bound one: ASCII letters and digits.
_ASCII_WORD: Final = re.compile(r"[0-9a-z]+")
#: What :func:`_ascii_fold` writes for a character that matches two ASCII
#: letters in any case (none does: a key holding one is asked of every text).
_TWO_LETTERS: Final = "\0"


class _ShownFinder:
    """:func:`_shown_pattern` of many keys, asked of each text by the keys it
    may hold only.

    One pattern of some thousand alternatives (an output naming a few thousand
    people, each in three forms) tries each of them at each place of each
    text: 7.6 s of 8.4 s for 1,000 texts. The pattern finds a key only where
    each of its words is a whole word of the text, a word being a run of ASCII
    letters and digits as the pattern bounds one, each character read as the
    ASCII letter it matches in any case (``ſ`` as ``s``, ``İ`` as ``i``; any
    other character as a space: :func:`_ascii_fold`), and nothing between them
    but what the key has there, which holds no such letter: the key's words
    are a run of the text's words, in order. So each text is searched by the
    pattern of the keys whose words are a run of its words (found by the runs
    as an index; "john smith" asks not for "smith john"). Their order is the
    whole pattern's, so at
    each place the same key matches first and the words found are the same
    (``tests/test_shown_finder.py`` holds the old search as its oracle)."""

    def __init__(
        self, keys: Iterable[str], glued: Mapping[str, str] | None = None
    ) -> None:
        self.keys = frozenset(keys)
        #: Stored ids (lower case) found run into a word, to their pseudonyms
        #: (:data:`GLUED` keys), and the pattern finding them, longest first.
        self.glued = dict(glued or {})
        self.glued_pattern = glued_id_pattern(self.glued) if self.glued else None
        self._by_words: dict[tuple[str, ...], list[str]] = {}
        self._always: set[str] = set()
        for key in self.keys:
            folded = _ascii_fold(_pattern_letters(key))
            words = tuple(_ASCII_WORD.findall(folded))
            if not words or _TWO_LETTERS in folded:
                self._always.add(key)
                continue
            if _may_glue(_pattern_letters(key)) and folded[-1:].isalnum():
                words = words[-1:]
            self._by_words.setdefault(words, []).append(key)
        self._longest = max(map(len, self._by_words), default=0)

    @functools.cached_property
    def whole(self) -> re.Pattern[str]:
        """The pattern of every key."""
        return _shown_pattern(self.keys)

    def pattern_for(self, text: str) -> re.Pattern[str] | None:
        """The pattern that finds in ``text`` what :attr:`whole` finds (none
        when no key can be found in it), in each of its :func:`_readings`
        (:func:`_found`)."""
        keys = set(self._always)
        # A key is found composed or decomposed (:func:`_any_form`): its words
        # are the composed text's, not the decomposed one's ("zoe" + U+0308).
        for form in {f for r in _id_readings(text) for f in (r, _nfc(r))}:
            folded = _ascii_fold(form)
            if _TWO_LETTERS in folded:
                return self.whole
            keys |= self._keys_in(_ASCII_WORD.findall(folded))
        return _narrow_pattern(frozenset(keys)) if keys else None

    def _keys_in(self, words: Sequence[str]) -> set[str]:
        """The keys whose words are a run of ``words``."""
        return {
            key
            for at in range(len(words))
            for n in range(1, min(self._longest, len(words) - at) + 1)
            for key in self._by_words.get(tuple(words[at : at + n]), ())
        }


def _may_glue(letters: str) -> bool:
    """Whether a key's ``letters`` hold an ASCII letter or digit then a letter
    a text may write as an ASCII letter and its accent (``zoë`` as ``zoe`` +
    U+0308): there the text's words are the key's as composed (NFC) only. A
    key such as "zoë rene", ending in a word, is also found before an accent
    NFC joins to that word ("Zoe" + U+0308 " Rene" + U+0301, as text pasted
    from a Mac holds "Zoë René"): neither form of the text holds its words as
    a run, only its last word, which :class:`_ShownFinder` asks for it by.

    >>> _may_glue("zo\u00eb rene"), _may_glue("\u0142ukasz"), _may_glue("ab\u0142")
    (True, False, False)
    """
    return any(
        a.isascii()
        and a.isalnum()
        and not b.isascii()
        and unicodedata.normalize("NFD", b)[0].isascii()
        for a, b in itertools.pairwise(letters)
    )


@functools.lru_cache(maxsize=256)
def _narrow_pattern(keys: frozenset[str]) -> re.Pattern[str]:
    """:func:`_shown_pattern` of the few ``keys`` one text may hold, kept (texts
    naming the same people ask for the same)."""
    return _shown_pattern(keys)


def _pattern_letters(key: str) -> str:
    """The characters :func:`_shown_pattern` matches ``key`` by, in any case:
    a :data:`CAPITALISED` key's capital as upper-cased (``ß`` as ``SS``)."""
    if key.startswith(CAPITALISED):
        word = key[len(CAPITALISED) :]
        return word[:1].upper() + word[1:]
    return key


def _ascii_fold(text: str) -> str:
    """``text`` lower-cased, each other character as the ASCII letter it
    matches in any case (``Straſſe`` as ``strasse``), or a space when none: a
    character that matches no ASCII letter is matched only by one that matches
    none (the engine's rule, checked of each character that matches one), so
    a pattern's words meet the text's words.

    >>> _ascii_fold("Kelvin \u212a ſ İ"), _ascii_fold("Łukasz")
    ('kelvin k s i', ' ukasz')
    """
    if text.isascii():
        return text.lower()
    return "".join(ch.lower() if ch.isascii() else _ascii_like(ch) for ch in text)


@functools.lru_cache(maxsize=4096)
def _ascii_like(ch: str) -> str:
    """The lower-cased ASCII character ``ch`` matches in any case (the regular
    expression engine's rule: ``ſ`` matches ``s``, the Kelvin sign ``k``),
    asked of the engine itself; a space when none, :data:`_TWO_LETTERS` when
    two."""
    like = {
        chr(code).lower()
        for code in range(128)
        if re.fullmatch(re.escape(ch), chr(code), re.IGNORECASE)
    }
    if len(like) > 1:
        return _TWO_LETTERS
    return next(iter(like), " ")


def _capitalised(word: str) -> str:
    """A pattern of ``word`` written with a capital first letter, the rest in
    any case (a :data:`CAPITALISED` key)."""
    if not word:
        return "(?!)"
    first = word[0]
    rest = _apostrophes(_any_form(word[1:]))
    # a capital written with its accent apart too: Ë as E + ¨ (:func:`_forms`)
    capital = "|".join(re.escape(f) for f in _forms(first.upper()))
    return f"(?-i:{capital}){rest}"


def _any_form(word: str) -> str:
    """A pattern of the literal ``word`` (:func:`name_key` form, composed) that
    matches it written composed, decomposed or partly composed, letter by
    letter (:func:`_forms`, :func:`_nfc`): a text is searched as written, so
    a name's place in it is its own.

    >>> bool(re.fullmatch(_any_form("zo\u00eb"), "zoe\u0308"))
    True
    >>> bool(re.fullmatch(_any_form("h\u1ed3ng"), "h\u00f4\u0300ng"))
    True
    """
    out = []
    for ch in word:
        forms = _forms(ch)
        if len(forms) == 1:
            out.append(re.escape(ch))
        else:
            out.append(f"(?:{'|'.join(re.escape(f) for f in forms)})")
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def _forms(text: str) -> tuple[str, ...]:
    """Each way of writing ``text`` (a letter, or a capital's letters) that
    reads as it (its NFC is ``text``'s), longest first: composed, decomposed
    (NFD), or partly composed. The Windows Vietnamese keyboard types ``ồ``
    (o, circumflex, grave) as ``ô`` and a combining grave: searched as
    composed or decomposed only, a stored name found in such a text (its NFC)
    was not replaced in it, and was shown.

    >>> _forms("\u1ed3") == ("o\u0302\u0300", "\u00f4\u0300", "\u1ed3")
    True
    """
    decomposed = unicodedata.normalize("NFD", text)
    if len(text) != 1 or decomposed == text:
        return tuple(dict.fromkeys((text, decomposed)))
    base, marks = decomposed[0], decomposed[1:]
    forms = {text, decomposed}
    for order in itertools.permutations(marks):
        for k in range(len(order)):
            head = unicodedata.normalize("NFC", base + "".join(order[:k]))
            form = head + "".join(order[k:])
            if unicodedata.normalize("NFC", form) == unicodedata.normalize("NFC", text):
                forms.add(form)
    return tuple(sorted(forms, key=lambda f: (-len(f), f)))


def _apostrophes(pattern: str) -> str:
    """``pattern`` with each ``'`` matching either apostrophe (:data:`_CURLY`)."""
    return pattern.replace("'", f"['{_CURLY}]")


def _key_of(lowered: Mapping[str, str], matched: str) -> str | None:
    """The key of ``lowered`` that words :func:`_shown_pattern` found are:
    their :func:`name_key`, else their :data:`CAPITALISED` key, in one of
    their :func:`_readings`."""
    for reading in _id_readings(matched):
        key = name_key(reading)
        if key in lowered:
            return key
        capital = CAPITALISED + key
        if capital in lowered and reading[:1].isupper():
            return capital
    return None


def pseudonymise_ids(
    texts: Sequence[str | None], shown: Mapping[str, str]
) -> list[str | None]:
    """``texts`` with each whole-word id or name of ``shown`` (real -> pseudonym),
    in any case and with any white space between its words (invisible spaces too,
    :data:`_INVISIBLE_SPACES`, and such characters inside a word:
    :func:`_readings`), replaced by its pseudonym, as
    :func:`pseudonymise_text` replaces one.

    Free text written by police (a tasking's what, an action's evidence) can name
    any person, incident or group by its id or a person by name, not only the
    record's subject: a partner reads each of them under its pseudonym.

    >>> pseudonymise_ids(["saw p12 and I7; P123"], {"P12": "P-AB", "I7": "I-CD"})
    ['saw P-AB and I-CD; P123']
    """
    lowered = {name_key(k): v for k, v in shown.items() if k.strip() and v is not None}
    if not lowered:
        return list(texts)
    finder = _ShownFinder(lowered)
    out: list[str | None] = []
    for t in texts:
        pattern = finder.pattern_for(t) if t else None
        if t is None or pattern is None:
            out.append(t)
            continue
        parts, at = [], 0
        for a, b in _found(pattern, t):
            parts += [t[at:a], _pseudonym_of(lowered, t[a:b])]
            at = b
        out.append("".join(parts) + t[at:])
    return out


def _pseudonym_of(lowered: Mapping[str, str], matched: str) -> str:
    """The pseudonym of ``matched``, words :func:`_shown_pattern` found for a key
    of ``lowered``: by its :func:`name_key`, else (the pattern folds case as the
    regular expression engine does: ``ſ`` as ``s``, ``İ`` as ``i``) the key the
    pattern matches it as."""
    key = _key_of(lowered, matched)
    if key is not None:
        return lowered[key]
    return next(
        v
        for k, v in lowered.items()
        for reading in _id_readings(matched)
        if _shown_pattern([k]).fullmatch(reading)
    )


def _tokens(text: str) -> tuple[list[str], list[int]]:
    """``text``'s words, runs of white space and other characters, and where each
    starts (one more: the text's end): what :func:`restore_authored` aligns, a
    few times fewer than characters (a 10,000-character text aligned character
    by character took 1.4 s)."""
    found = re.findall(r"\w+|\s+|[^\w\s]", text)
    starts = [0, *itertools.accumulate(len(t) for t in found)]
    return found, starts


def _equal_runs(a: list[str], b: list[str]) -> list[tuple[int, int, int]]:
    """``(i1, i2, j1)`` of each run of ``a[i1:i2]`` found unchanged in ``b`` from
    ``j1``: the common start and end (most edits add or change a little), and
    :class:`difflib.SequenceMatcher`'s blocks between (it is quadratic at worst:
    0.4 s for 10,000 characters of text cut in the middle)."""
    n = min(len(a), len(b))
    head = next((k for k in range(n) if a[k] != b[k]), n)
    tail = next((k for k in range(n - head) if a[-1 - k] != b[-1 - k]), n - head)
    middle = difflib.SequenceMatcher(
        None, a[head : len(a) - tail], b[head : len(b) - tail], autojunk=False
    )
    return [
        (0, head, 0),
        *(
            (head + i, head + i + size, head + j)
            for i, j, size in middle.get_matching_blocks()
            if size
        ),
        (len(a) - tail, len(a), len(b) - tail),
    ]


#: Who wrote a stretch of a stored free text: ``(start, end, organisation)``, in
#: its characters. ``start == end`` marks a place where the organisation cut text
#: out (a seam): the words it brought together are not read as one.
AuthorSpan = tuple[int, int, str]


def text_digest(text: str) -> str:
    """A short digest of ``text``: author spans are stored with the digest of the
    text they describe, and are used only with that text (:func:`authors_of`), so
    a writer that changed the text without them can make no span cover words it
    does not describe."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


#: The key of a row's ``authors`` under which the police's words a partner's
#: save kept withheld are (:func:`kept_withheld`); no field is so named.
KEPT_WITHHELD: Final = "withheld"


def authors_json(
    fields: Mapping[str, tuple[str | None, Sequence[AuthorSpan]]],
    kept: Mapping[str, str] | None = None,
) -> str | None:
    """A row's ``authors`` (JSON): per field, the digest of its text and its
    spans; fields without spans (all written by the police) are left out. Under
    :data:`KEPT_WITHHELD`, ``kept``: the police's words (their
    :func:`name_key`) each partner and board reader reads as its marker
    whatever the text around them (:func:`kept_withheld`).

    >>> authors_json({"evidence": ("seen ZZ1", [(5, 8, "council")])})
    '{"evidence": {"digest": "8ccf2114a7a74171", "spans": [[5, 8, "council"]]}}'
    >>> authors_json({}, {"3/4/06": "[date withheld]"})
    '{"withheld": [["3/4/06", "[date withheld]"]]}'
    """
    out: dict[str, object] = {
        field: {"digest": text_digest(text), "spans": [list(s) for s in spans]}
        for field, (text, spans) in sorted(fields.items())
        if text and spans and field != KEPT_WITHHELD
    }
    if kept:
        out[KEPT_WITHHELD] = [[w, m] for w, m in sorted(kept.items())]
    return json.dumps(out, sort_keys=True) if out else None


def kept_withheld(authors: str | None) -> dict[str, str]:
    """The police's words a partner's save kept withheld (their
    :func:`name_key`, to the marker read instead), from a row's ``authors``.

    Whether a date is withheld can depend on words beside it (the name of the
    person it is the date of birth of: :mod:`avert.written_identity`); a
    partner who deletes those words must not then read what they hid, so the
    save keeps such words withheld here (:func:`authors_json`), for every
    partner and board reader of the row.

    >>> kept_withheld('{"withheld": [["3/4/06", "[date withheld]"]]}')
    {'3/4/06': '[date withheld]'}
    """
    if not authors:
        return {}
    try:
        entry = json.loads(authors).get(KEPT_WITHHELD)
        return {str(w): str(m) for w, m in entry or []}
    except (ValueError, AttributeError, TypeError):
        return {}


def written_keys(texts: Iterable[str | None], keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` (:func:`name_key` words) ``texts`` write as whole
    words, in any case and spacing (as :func:`pseudonymise_ids` finds them).

    >>> sorted(written_keys(["met Jo  SMITH"], ["jo smith", "amy doe"]))
    ['jo smith']
    """
    wanted = {k for k in keys if k.strip()}
    if not wanted:
        return set()
    finder = _ShownFinder(wanted)
    found = (
        _key_of(dict.fromkeys(wanted, ""), t[a:b])
        for t in texts
        if t and (pattern := finder.pattern_for(t))
        for a, b in _found(pattern, t)
    )
    return {k for k in found if k is not None}


def authors_of(authors: str | None, field: str, text: str | None) -> list[AuthorSpan]:
    """The author spans of ``field`` in a row's ``authors`` (:func:`authors_json`)
    when they are of ``text``; else none: every word is then the police's, and
    shown to partners as such."""
    if not authors or not text:
        return []
    try:
        entry = json.loads(authors).get(field)
    except (ValueError, AttributeError):
        return []
    if not isinstance(entry, dict) or entry.get("digest") != text_digest(text):
        return []
    try:
        spans = [(int(a), int(b), str(o)) for a, b, o in entry.get("spans") or []]
    except (TypeError, ValueError):
        return []
    return [(a, b, o) for a, b, o in spans if 0 <= a <= b <= len(text)]


def own_pieces(
    text: str, spans: Sequence[AuthorSpan], org: str | None
) -> list[tuple[int, int, bool]]:
    """``text`` cut at ``org``'s seams, as ``(start, end, own)``: own when ``org``
    wrote all of it. Each piece is searched for stored ids and names on its own
    (:func:`_reader_parts`): a seam is where ``org`` joined words (its cut, or
    its typing beside another's words), so words it brought together are not
    read as one.

    >>> own_pieces("met P12 at ZZ9", [(8, 14, "council"), (8, 8, "council")], "council")
    [(0, 8, False), (8, 14, True)]
    """
    mine = _own_ranges(text, spans, org)
    seams = {a for a, b, o in spans if org is not None and o == org and a == b}
    cuts = sorted({0, len(text), *(x for x in seams if 0 < x < len(text))})
    return [(a, b, _inside(a, b, mine)) for a, b in itertools.pairwise(cuts)]


def _own_ranges(
    text: str, spans: Sequence[AuthorSpan], org: str | None
) -> list[tuple[int, int]]:
    """The stretches of ``text`` that ``org`` wrote (its non-empty spans)."""
    return [
        (a, b)
        for a, b, o in spans
        if org is not None and o == org and 0 <= a < b <= len(text)
    ]


def _inside(lo: int, hi: int, ranges: Sequence[tuple[int, int]]) -> bool:
    """Whether ``lo:hi`` lies in one of ``ranges``."""
    return any(a <= lo and hi <= b for a, b in ranges)


def _shown_lookup(
    shown: Mapping[str, str],
) -> tuple[dict[str, str], _ShownFinder | None]:
    """``shown``'s whole-word keys by :func:`name_key`, and the finder of them
    and of its :data:`GLUED` keys (none if it has neither)."""
    glued = {
        k[len(GLUED) :].lower(): v
        for k, v in shown.items()
        if k.startswith(GLUED) and k[len(GLUED) :] and v is not None
    }
    lowered = {
        name_key(k): v
        for k, v in shown.items()
        if not k.startswith(GLUED) and k.strip() and v is not None
    }
    return lowered, _ShownFinder(lowered, glued) if lowered or glued else None


def _shown_parts(
    text: str,
    lowered: Mapping[str, str],
    finder: _ShownFinder | None,
    target: tuple[str | None, str | None],
) -> list[tuple[str, str, bool]]:
    """``text`` as a partner reads it, in parts ``(shown, written, replaced)``:
    the target's id by its pseudonym (:func:`pseudonymise_text`), then each stored
    id and name of ``lowered`` by its pseudonym (:func:`pseudonymise_ids`); the
    rest as written. What the page shows and what a save puts back are made from
    these same parts."""
    real, pseudonym = target
    plain: list[tuple[str, str, bool]] = []
    at = 0
    if real and pseudonym is not None and real != pseudonym:
        for a, b in id_spans(text, real):
            plain += [(text[at:a], text[at:a], False)]
            plain += [(pseudonym, text[a:b], True)]
            at = b
    plain.append((text[at:], text[at:], False))
    if finder is None:
        return [p for p in plain if p[1]]
    return _glued_parts_shown(_whole_parts_shown(plain, lowered, finder), finder)


def _whole_parts_shown(
    plain: list[tuple[str, str, bool]],
    lowered: Mapping[str, str],
    finder: _ShownFinder,
) -> list[tuple[str, str, bool]]:
    """``plain``'s parts not yet replaced split at each whole-word key of
    ``lowered`` that ``finder`` finds, shown as its pseudonym."""
    out: list[tuple[str, str, bool]] = []
    for shown_part, written, replaced in plain:
        pattern = None if replaced else finder.pattern_for(written)
        if pattern is None:
            out.append((shown_part, written, replaced))
            continue
        at = 0
        for a, b in _found(pattern, written):
            out.append((written[at:a], written[at:a], False))
            out.append((_pseudonym_of(lowered, written[a:b]), written[a:b], True))
            at = b
        out.append((written[at:], written[at:], False))
    return [p for p in out if p[1]]


def _glued_parts_shown(
    parts: list[tuple[str, str, bool]], finder: _ShownFinder
) -> list[tuple[str, str, bool]]:
    """``parts`` with each stored id run into a word (``finder``'s
    :data:`GLUED` keys) in those not yet replaced shown as its pseudonym: a
    replaced part, as :func:`restore_authored` puts back the words it
    replaced."""
    pattern = finder.glued_pattern
    if pattern is None:
        return parts
    out: list[tuple[str, str, bool]] = []
    for shown_part, written, replaced in parts:
        if replaced:
            out.append((shown_part, written, replaced))
            continue
        at = 0
        for a, b, read in id_matches(pattern, written):
            out.append((written[at:a], written[at:a], False))
            out.append((finder.glued[read.lower()], written[a:b], True))
            at = b
        out.append((written[at:], written[at:], False))
    return [p for p in out if p[1]]


def _reader_parts(
    text: str,
    spans: Sequence[AuthorSpan],
    org: str | None,
    lowered: Mapping[str, str],
    finder: _ShownFinder | None,
    target: tuple[str | None, str | None],
) -> list[tuple[str, str, bool, int]]:
    """``text`` as a reader of ``org`` reads it, in parts ``(shown, written,
    replaced, start)``: each piece between ``org``'s seams (:func:`own_pieces`)
    as :func:`_shown_parts` shows it, but a stored id or name ``org`` wrote whole
    as written. One with words of another writer in it, and no seam of ``org``
    between (the police completed it beside the partner's words), is shown as
    its pseudonym. What a page shows and what a save puts back are made from
    these same parts."""
    mine = _own_ranges(text, spans, org)
    out: list[tuple[str, str, bool, int]] = []
    for a, b, own in own_pieces(text, spans, org):
        if own:
            out.append((text[a:b], text[a:b], False, a))
            continue
        at = a
        for shown_part, written, replaced in _shown_parts(
            text[a:b], lowered, finder, target
        ):
            if replaced and _inside(at, at + len(written), mine):
                out.append((written, written, False, at))
            else:
                out.append((shown_part, written, replaced, at))
            at += len(written)
    return out


def foreign_pieces(
    texts: Sequence[str | None],
    spans: Sequence[Sequence[AuthorSpan]],
    org: str | None,
) -> list[str]:
    """The pieces of ``texts`` between ``org``'s seams that it did not write
    whole (:func:`own_pieces`): the words asked of the store as ids and names for
    ``org``'s reader (its own words too, where a stored id or name may have words
    of another writer in it: :func:`_reader_parts`)."""
    return [
        text[a:b]
        for text, text_spans in zip(texts, spans, strict=True)
        if text
        for a, b, own in own_pieces(text, text_spans, org)
        if not own
    ]


def pseudonymise_authored(
    texts: Sequence[str | None],
    spans: Sequence[Sequence[AuthorSpan]],
    org: str | None,
    shown: Mapping[str, str],
    targets: Sequence[tuple[str | None, str | None]] | None = None,
) -> list[str | None]:
    """``texts`` as a reader of ``org`` reads them: the words ``org`` wrote
    (``spans``) as written; its target's id (``targets``: ``(id, pseudonym)`` per
    text) and each stored id and name of ``shown`` with words of another writer
    in it replaced by its pseudonym, each piece between ``org``'s seams on its
    own (:func:`_reader_parts`).

    A partner who types a stored id or name reads it back as typed, so learns
    nothing of what the store holds; the police's words are replaced as before
    (``org`` None, the board: every word). Each piece is searched on its own, so
    words of the police the partner typed beside, or brought together by its
    cut, are not read as one id or name.

    >>> spans = [(7, 10, "council")]
    >>> pseudonymise_authored(["P12 or P12"], [spans], "council", {"P12": "P-AB"})
    ['P-AB or P12']
    >>> pseudonymise_authored(["P12 or P12"], [spans], None, {"P12": "P-AB"})
    ['P-AB or P-AB']
    """
    lowered, finder = _shown_lookup(shown)
    out: list[str | None] = []
    for i, text in enumerate(texts):
        if not text:
            out.append(text)
            continue
        target = targets[i] if targets is not None else (None, None)
        parts = _reader_parts(text, spans[i], org, lowered, finder, target)
        out.append("".join(shown_part for shown_part, _, _, _ in parts))
    return out


def _word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _whole_word(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` touches no word character (nor hyphen) either
    side, as :func:`typed_pseudonyms` finds a pseudonym."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not any(c.isalnum() or c in "_-" for c in (before, after))


def restore_authored(
    text: str | None,
    stored: str | None,
    spans: Sequence[AuthorSpan],
    org: str | None,
    shown: Mapping[str, str] | None = None,
    target: tuple[str | None, str | None] = (None, None),
    typed: Mapping[str, str] | None = None,
) -> tuple[str | None, list[AuthorSpan]]:
    """The text to store when a reader of ``org`` saves ``text``, their edit of
    ``stored`` (written by ``spans``) as :func:`pseudonymise_authored` showed it
    to them, and who wrote each word of it.

    Each pseudonym they read is put back as the words it replaced at its place
    (the unchanged stretches of what was shown and what was sent are matched:
    :class:`difflib.SequenceMatcher` over words), so a partner who edits around
    the pseudonyms leaves the police's words as they were; a pseudonym with no
    place (typed or moved) is put back as its first words, except
    :data:`NAME_WITHHELD` standing for different names, or a date, postcode or
    address marker standing for different words
    (:data:`avert.written_identity.WITHHELD_MARKERS`; which is not known: it
    stays as typed). Words put back never touch a word of the partner's: a space
    is put between (else ``xP12`` would be no whole word, and shown).

    ``typed``: pseudonyms the reader may have copied from another output (its
    briefing), to the stored id each stands for
    (:func:`avert.store.pseudonyms.find_ids`): one typed or moved (in no
    unchanged stretch) that the stored text did not show is put back as that
    id, the police's words (as a pseudonym shown is), so the police read the
    id and every partner reader its own pseudonym of it. A pseudonym the
    stored text showed keeps the words it replaced there.

    Who wrote what: the words put back and the unchanged ones keep their
    writers; what ``org`` typed or changed is ``org``'s (the police's, ``org``
    None); where they cut text out, and where their words meet another's that
    they read as written, is their seam (a stored id or name across it is read
    by them as written, one across no seam of theirs as its pseudonym: the
    police completing a name beside a partner's word). What they typed is found
    against what they were *shown*, never against the stored text: typing a
    stored id in place of its pseudonym is their typing, shown back as typed.

    >>> restore_authored("saw P-AB, then P12", "saw P12", [], "council", {"P12": "P-AB"})
    ('saw P12, then P12', [(7, 7, 'council'), (7, 17, 'council')])
    """
    if not text:
        return text, []
    stored = stored or ""
    lowered, finder = _shown_lookup(shown or {})
    # the stored text as shown: parts (shown, written, replaced, stored start)
    seen = _SeenText(_reader_parts(stored, spans, org, lowered, finder, target))
    writer = _stored_writers(stored, spans)
    runs = _equal_spans(seen.text, text)
    to_text: dict[int, int] = {}
    from_seen: list[int | None] = [None] * len(text)
    for lo, hi, to in runs:
        for k in range(lo, hi):
            to_text[k] = to + k - lo
            from_seen[to + k - lo] = k
    placed = _pseudonyms_in_place(seen, writer, to_text)
    _place_typed_pseudonyms(placed, seen, text, from_seen, typed or {})
    rebuilt = _rebuilt(text, placed, seen, writer, from_seen, org)
    out = [(a, a + len(run), o) for a, o, run in _runs_of(rebuilt.who) if o is not None]
    seams = _kept_seams(spans, seen, to_text, rebuilt.new_at)
    if org is not None:
        seams |= _their_seams(runs, rebuilt, org)
    return "".join(rebuilt.chars), sorted({*out, *seams})


def resolve_typed_authored(
    text: str,
    spans: Sequence[AuthorSpan],
    resolved: Mapping[str, str],
    by_writer: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[str, list[AuthorSpan], list[str]]:
    """``text`` (written by ``spans``) with each pseudonym of ``resolved`` (to
    the stored id it stands for: :func:`avert.workflows.pseudonym_lookup.copied_pseudonyms`)
    that one partner organisation typed, as a whole word, put back as that id,
    the police's words, as a partner's save now stores it
    (:func:`restore_authored` with ``typed``): for texts saved before that
    save resolved them. Returns the text, its spans (the id no span of the
    writer's, a seam of the writer's where its words meet the id, as a
    save makes), and the kind of each pseudonym put back
    (:func:`typed_pseudonyms`), in order.

    A pseudonym the police wrote, or one not wholly inside one organisation's
    words, stays as written: who typed it is not known. ``by_writer``: the
    pseudonyms of each organisation's own key (``pseudonym_scope``
    ``organisation``), resolved only in that organisation's words: one it was
    not shown (another organisation's) stays as typed.

    >>> resolve_typed_authored("saw P-00000000000A ok", [(0, 21, "cc")],
    ...                        {"P-00000000000A": "P12"})
    ('saw P12 ok', [(0, 4, 'cc'), (4, 4, 'cc'), (7, 7, 'cc'), (7, 10, 'cc')], ['person'])
    """
    writer = _stored_writers(text, spans)
    kinds = {PREFIXES[k]: k for k in TYPED_KINDS}
    chars: list[str] = []
    who: list[str | None] = []
    new_at = [0] * (len(text) + 1)
    put: list[tuple[int, int]] = []
    found: list[str] = []
    j = 0
    for m in _TYPED_PSEUDONYM.finditer(text):
        owners = set(writer[m.start() : m.end()])
        if len(owners) != 1 or None in owners:
            continue
        own = (by_writer or {}).get(str(next(iter(owners))), {})
        real = own.get(m.group(0)) or resolved.get(m.group(0))
        if real is None:
            continue
        for k in range(j, m.start()):
            new_at[k] = len(chars)
            chars.append(text[k])
            who.append(writer[k])
        start = len(chars)
        for k in range(m.start(), m.end()):
            new_at[k] = start
        chars.extend(real)
        who.extend([None] * len(real))
        put.append((start, len(chars)))
        found.append(kinds[m.group(1)])
        j = m.end()
    if not found:
        return text, sorted(spans), []
    for k in range(j, len(text)):
        new_at[k] = len(chars)
        chars.append(text[k])
        who.append(writer[k])
    new_at[len(text)] = len(chars)
    out = {(a, a + len(run), o) for a, o, run in _runs_of(who) if o is not None}
    # the stored seams where they were; the writer's seam either side of an id
    out |= {(new_at[a], new_at[a], o) for a, b, o in spans if a == b}
    for a, b in put:
        out |= {(a, a, o) for o in who[a - 1 : a] if o is not None}
        out |= {(b, b, o) for o in who[b : b + 1] if o is not None}
    return "".join(chars), sorted(out), found


class _SeenText:
    """The stored text as a reader was shown it: its parts ``(shown, written,
    replaced, stored start)`` (:func:`_reader_parts`), the text they make, and for
    each character of it its part's index, and each part's start in it."""

    def __init__(self, parts: list[tuple[str, str, bool, int]]) -> None:
        self.parts = parts
        self.text = "".join(p[0] for p in parts)
        self.part_at = [i for i, p in enumerate(parts) for _ in p[0]]
        self.part_start = list(
            itertools.accumulate((len(p[0]) for p in parts), initial=0)
        )


class _Rebuilt(NamedTuple):
    """The text to store, character by character: its writers, where in the text
    sent each word put back was (None elsewhere), and where each position of the
    text sent is in it (one more at the end)."""

    chars: list[str]
    who: list[str | None]
    put_at: list[int | None]
    new_at: list[int]


#: by start in the text sent: the end of a pseudonym there, the stored words put
#: back for it and their writers
_Placed = dict[int, tuple[int, str, list[str | None]]]


def _stored_writers(stored: str, spans: Sequence[AuthorSpan]) -> list[str | None]:
    """The writer of each character of ``stored`` (None: the police)."""
    writer: list[str | None] = [None] * len(stored)
    for a, b, o in spans:
        if 0 <= a <= b <= len(stored):
            writer[a:b] = [o] * (b - a)
    return writer


def _equal_spans(seen: str, text: str) -> list[tuple[int, int, int]]:
    """The unchanged stretches of what was shown and what was sent, as ``(start,
    end)`` in ``seen`` and start in ``text`` (:func:`_equal_runs` over words)."""
    (sa, s_at), (ta, t_at) = _tokens(seen), _tokens(text)
    return [(s_at[i1], s_at[i2], t_at[j1]) for i1, i2, j1 in _equal_runs(sa, ta)]


def _pseudonyms_in_place(
    seen: _SeenText, writer: list[str | None], to_text: Mapping[int, int]
) -> _Placed:
    """Each pseudonym shown that is wholly in an unchanged stretch, with the stored
    words it replaced and their writers."""
    placed: _Placed = {}
    for idx, (s, w, replaced, st) in enumerate(seen.parts):
        if not replaced:
            continue
        ps = seen.part_start[idx]
        j = to_text.get(ps)
        if j is not None and all(to_text.get(ps + m) == j + m for m in range(len(s))):
            placed[j] = (j + len(s), w, writer[st : st + len(w)])
    return placed


def _place_typed_pseudonyms(
    placed: _Placed,
    seen: _SeenText,
    text: str,
    from_seen: list[int | None],
    resolved: Mapping[str, str],
) -> None:
    """Add to ``placed`` each pseudonym shown that is typed or moved in ``text`` (in
    no unchanged stretch) as its first words, unless it stands for different
    names or withheld words (:data:`NAME_WITHHELD`, ``WITHHELD_MARKERS``); and
    so each whole-word pseudonym of ``resolved`` not shown, as its id. A
    pseudonym of ``resolved`` is kept as typed only where it is unchanged
    from words shown as written."""
    words: dict[str, list[str]] = {}
    for s, w, replaced, _ in seen.parts:
        if replaced:
            words.setdefault(s, []).append(w)
    copied = {p for p, real in resolved.items() if real and p not in words}
    for pseudonym in copied:
        words[pseudonym] = [resolved[pseudonym]]
    if not words:
        return
    typed = re.compile(
        "|".join(re.escape(k) for k in sorted(words, key=lambda k: (-len(k), k)))
    )
    for m in typed.finditer(text):
        found = words[m.group(0)]
        if m.start() in placed:
            continue
        if m.group(0) in resolved:
            # a pseudonym of a stored id: kept as typed only where it was shown
            # as written (the writer's own words), not where only its prefix
            # lines up with a pseudonym shown ("P-" of "P-AB12..." for another)
            if not _whole_word(text, m.start(), m.end()) or _shown_as_written(
                seen, from_seen, m.start(), m.end()
            ):
                continue
        elif _shown_as_written(seen, from_seen, m.start(), m.end()):
            # the words shown as written (a pseudonym the police typed); one
            # with a changed piece (a letter cut from "xP-AB" or typed beside
            # it, "P-AB" and "-AB" unchanged) is put back: else it stayed in
            # the police's text, in no place and not typed
            continue
        if (
            m.group(0) in (NAME_WITHHELD, *WITHHELD_MARKERS)
            and len({name_key(w) for w in found}) > 1
        ):
            continue
        placed[m.start()] = (m.end(), found[0], [None] * len(found[0]))


def _shown_as_written(
    seen: _SeenText, from_seen: list[int | None], start: int, end: int
) -> bool:
    """Whether ``start:end`` of the text sent is unchanged from words the reader
    was shown as written (in no pseudonym or marker shown)."""
    for j in range(start, end):
        k = from_seen[j]
        if k is None or seen.parts[seen.part_at[k]][2]:
            return False
    return True


def _beside_as_shown(from_seen: list[int | None], left: int, right: int) -> bool:
    """Whether characters ``left`` and ``right`` of the text sent are both
    unchanged from what the reader was shown, and stood side by side there."""
    if left < 0 or right >= len(from_seen):
        return False
    a, b = from_seen[left], from_seen[right]
    return a is not None and b is not None and b == a + 1


def _rebuilt(
    text: str,
    placed: _Placed,
    seen: _SeenText,
    writer: list[str | None],
    from_seen: list[int | None],
    org: str | None,
) -> _Rebuilt:
    """``text`` with the ``placed`` words put back (a space between them and a word
    of the partner's), each character with its writer: an unchanged one its
    stored writer's, what ``org`` typed ``org``'s."""
    chars: list[str] = []
    who: list[str | None] = []
    put_at: list[int | None] = []  # where in ``text`` the words put back were
    new_at = [0] * (len(text) + 1)
    j = 0
    while j < len(text):
        new_at[j] = len(chars)
        if j in placed:
            end, put, owners = placed[j]
            # beside the words it stood beside as shown (a stored id run into
            # the police's letters, "xP12"), no space: the stored text's
            if (
                chars
                and _word_char(chars[-1])
                and _word_char(put[0])
                and not _beside_as_shown(from_seen, j - 1, j)
            ):
                chars.append(" ")
                who.append(None)
                put_at.append(None)
            chars.extend(put)
            who.extend(owners)
            put_at.extend([j] * len(put))
            if (
                end < len(text)
                and _word_char(text[end])
                and _word_char(put[-1])
                and not _beside_as_shown(from_seen, end - 1, end)
            ):
                chars.append(" ")
                who.append(None)
                put_at.append(None)
            for inside in range(j + 1, end):
                new_at[inside] = len(chars)
            j = end
            continue
        at_seen = from_seen[j]
        owner = org
        if at_seen is not None:
            _, _, replaced, st = seen.parts[seen.part_at[at_seen]]
            if not replaced:
                owner = writer[st + at_seen - seen.part_start[seen.part_at[at_seen]]]
        chars.append(text[j])
        who.append(owner)
        put_at.append(None)
        j += 1
    new_at[len(text)] = len(chars)
    return _Rebuilt(chars, who, put_at, new_at)


def _their_seams(
    runs: list[tuple[int, int, int]], rebuilt: _Rebuilt, org: str
) -> set[AuthorSpan]:
    """``org``'s seams: where they cut a stretch shown (nothing sent in its place),
    and where their words meet another's that they read as written (not inside
    words put back: a stored id or name shown them as its pseudonym)."""
    seams: set[AuthorSpan] = set()
    new_at, who, put_at = rebuilt.new_at, rebuilt.who, rebuilt.put_at
    for (lo1, hi1, to1), (lo2, _, to2) in itertools.pairwise(runs):
        if lo2 > hi1 and to2 == to1 + hi1 - lo1:
            seams.add((new_at[to2], new_at[to2], org))
    seams.update(
        (k, k, org)
        for k in range(1, len(rebuilt.chars))
        if (who[k - 1] == org) != (who[k] == org)
        and (put_at[k - 1] is None or put_at[k - 1] != put_at[k])
    )
    return seams


def _kept_seams(
    spans: Sequence[AuthorSpan],
    seen: _SeenText,
    to_text: Mapping[int, int],
    new_at: list[int],
) -> set[AuthorSpan]:
    """The stored seams that stay: a seam stays while the words either side of it
    do (words written beside it are not joined there by its writer)."""
    seams: set[AuthorSpan] = set()
    for p, _, o in (s for s in spans if s[0] == s[1]):
        place = _seen_place(seen.parts, seen.part_start, p)
        if (
            place is not None
            and place in to_text
            and to_text.get(place - 1) == to_text[place] - 1
        ):
            t = to_text[place]
            seams.add((new_at[t], new_at[t], o))
    return seams


def _runs_of(
    values: list[str | None],
) -> list[tuple[int, str | None, list[str | None]]]:
    """``(start, value, run)`` of each run of equal ``values``."""
    out: list[tuple[int, str | None, list[str | None]]] = []
    at = 0
    for value, run in itertools.groupby(values):
        items = list(run)
        out.append((at, value, items))
        at += len(items)
    return out


def _seen_place(
    parts: Sequence[tuple[str, str, bool, int]], part_start: Sequence[int], p: int
) -> int | None:
    """Where stored position ``p`` is in the text as shown, if it is in (or at
    the end of) words shown as written."""
    for idx, (_, w, replaced, st) in enumerate(parts):
        if not replaced and st <= p <= st + len(w):
            return part_start[idx] + p - st
    return None


def pseudonymise_columns(
    frame: pl.DataFrame,
    columns: Iterable[str],
    real: Sequence[str | None],
    shown: Sequence[str | None],
) -> list[pl.Series]:
    """The free-text ``columns`` of ``frame`` (those it has) with each row's
    ``real`` subject id replaced by its ``shown`` pseudonym
    (:func:`pseudonymise_text`), as Series to put back with ``with_columns``."""
    return [
        pl.Series(
            c,
            [
                pseudonymise_text(t, i, m)
                for t, i, m in zip(frame[c].to_list(), real, shown, strict=True)
            ],
            dtype=pl.String,
        )
        for c in columns
        if c in frame.columns
    ]


def _withhold_taskings(p: Pseudonymiser, taskings: pl.DataFrame) -> pl.DataFrame:
    """Item ids as pseudonyms; what, who and result only of the listed taskings
    (the partner's own organisation's): of the others, only that they exist.
    The listed ones' what and result name their subject by its pseudonym
    (:func:`pseudonymise_text`), but the words of the result the tasked
    organisation wrote (:func:`pseudonymise_authored`); the workflow replaced the
    other stored ids in them before."""
    kinds = taskings["item_kind"].to_list()
    ids = taskings["item_id"].to_list()
    mapped = [
        p(_TASKING_ITEM_KINDS[k], str(i)) if k in _TASKING_ITEM_KINDS and i else i
        for k, i in zip(kinds, ids, strict=True)
    ]
    texts = pseudonymise_columns(taskings, ("what",), ids, mapped)
    if "result" in taskings.columns:
        # the result in the words the tasked organisation typed stays as written
        # for it (only its own taskings are listed to a partner: ``listed``)
        authors = (
            taskings["authors"].to_list()
            if "authors" in taskings.columns
            else [None] * taskings.height
        )
        texts.append(
            pl.Series(
                "result",
                [
                    pseudonymise_authored(
                        [t], [authors_of(a, "result", t)], o, {}, [(i, m)]
                    )[0]
                    for t, a, o, i, m in zip(
                        taskings["result"].to_list(),
                        authors,
                        taskings["organisation"].to_list(),
                        ids,
                        mapped,
                        strict=True,
                    )
                ],
                dtype=pl.String,
            )
        )
    listed = pl.col("listed").fill_null(value=False)
    return (
        taskings.with_columns(pl.Series("item_id", mapped, dtype=pl.String), *texts)
        .drop("authors", strict=False)
        .with_columns(
            *(
                pl.when(listed).then(pl.col(c)).otherwise(None).alias(c)
                for c in ("what", "assignee", "result")
                if c in taskings.columns
            ),
        )
    )


def redact_frames(
    p: Pseudonymiser, frames: Mapping[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """Apply the partner rules to canonical frames (by table name).

    Every identifier becomes its pseudonym; incidents lose exact places, outcomes and
    context; every table loses a bundle's columns outside the format (``extra``);
    group names, identities and intelligence subjects are emptied; actions
    that target a person, group or incident lose their title. Tables not named here
    pass unchanged.
    """
    out = dict(frames)
    for name, cols in _ID_COLUMNS.items():
        if name not in out:
            continue
        frame = out[name]
        for col, kind in cols:
            if col in frame.columns and frame.height:
                frame = p.column(frame, col, kind)
        out[name] = frame
    if "incidents" in out:
        inc = out["incidents"]
        out["incidents"] = inc.drop(
            [c for c in POLICE_ONLY["incidents"] if c in inc.columns]
        )
    for name, frame in list(out.items()):  # free text of the source system
        if "extra" in frame.columns:
            out[name] = frame.drop("extra")
    if "groups" in out:
        out["groups"] = out["groups"].with_columns(
            pl.lit(None, dtype=pl.String).alias("name")
        )
    if "identities" in out:
        out["identities"] = out["identities"].clear()
    if "intelligence" in out:
        out["intelligence"] = out["intelligence"].with_columns(
            pl.lit(None, dtype=pl.String).alias("subject_id")
        )
    if "actions" in out and out["actions"].height:
        out["actions"] = _withhold_actions(p, out["actions"])
    if "taskings" in out and out["taskings"].height:
        out["taskings"] = _withhold_taskings(p, out["taskings"])
    for name, list_cols in _ID_LIST_COLUMNS.items():
        if name not in out:
            continue
        frame = out[name]
        for col, kind in list_cols:
            frame = p.list_column(frame, col, kind)
        out[name] = frame
    return out


def suppress_small_counts(
    frame: pl.DataFrame,
    counts: Iterable[str],
    *,
    by: str,
    derived: Mapping[str, Iterable[str]] | None = None,
    reference: str | None = None,
    relative: Iterable[str] = (),
    min_count: int = SMALL_CELL,
) -> pl.DataFrame:
    """Withhold small counts of people from a partner table (:data:`SMALL_CELL_RULE`).

    For each column of ``counts``: a value from 1 to ``min_count - 1`` is withheld
    (primary suppression); within each breakdown (rows sharing ``by``) that then has
    exactly one withheld cell, the smallest remaining non-zero count is withheld too
    (secondary suppression: otherwise total minus the rest gives it back). Withheld
    counts become null and ``<count>_withheld`` says so; each column of ``derived``
    (shares, rates, ratios, intervals), mapped to the counts it is computed from, is
    nulled on a row where one of those counts is withheld. ``reference`` names a
    boolean column marking the row of each breakdown that ratios are taken to; the
    ``relative`` columns of ``derived`` (ratios to it and their intervals) are nulled
    on every row of a breakdown whose reference row has one of their counts withheld,
    since a ratio shown beside its own row's counts gives the reference's count back.
    Zeros are shown, unless a breakdown has no other cell to withhold beside its one
    small count (a list of 3 men, none of other sexes: a zero is withheld with it).

    >>> f = pl.DataFrame({"d": ["sex"] * 3, "category": ["F", "M", "unknown"],
    ...                   "listed": [2, 30, 0]})
    >>> suppress_small_counts(f, ["listed"], by="d")["listed"].to_list()
    [None, None, 0]
    """
    out = frame.with_row_index("_row")
    for col in counts:
        value = pl.col(col)
        primary = value.is_between(1, min_count - 1).fill_null(value=False)
        out = out.with_columns(primary.alias("_p"))
        n_primary = pl.col("_p").sum().over(by)
        # the smallest count not yet withheld (non-zero first), first row on ties
        candidate = (~pl.col("_p")) & value.is_not_null()
        key = pl.when(candidate).then(
            pl.when(value > 0).then(value).otherwise(pl.lit(_ZERO_LAST))
        )
        smallest = key.rank("ordinal").over(by) == 1
        secondary = (n_primary == 1) & candidate & smallest.fill_null(value=False)
        out = out.with_columns((pl.col("_p") | secondary).alias(f"{col}_withheld"))
        out = out.with_columns(
            pl.when(pl.col(f"{col}_withheld"))
            .then(pl.lit(None, dtype=out.schema[col]))
            .otherwise(value)
            .alias(col)
        ).drop("_p")
    to_reference = set(relative) if reference is not None else set()

    def withheld(c: str, sources: Iterable[str]) -> pl.Expr:
        own = pl.any_horizontal([pl.col(f"{s}_withheld") for s in sources])
        if c not in to_reference:
            return own
        at_reference = (own & pl.col(str(reference)).fill_null(value=False)).any()
        return own | at_reference.over(by)

    nulls = [
        pl.when(withheld(c, sources))
        .then(pl.lit(None, dtype=out.schema[c]))
        .otherwise(pl.col(c))
        .alias(c)
        for c, sources in ((c, list(v)) for c, v in (derived or {}).items())
        if c in out.columns and sources
    ]
    return out.with_columns(nulls).sort("_row").drop("_row")
