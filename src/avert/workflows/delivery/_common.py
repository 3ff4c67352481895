"""Shared by the delivery workflows: versioned saves, history and audit, pseudonyms."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from avert.access import (
    GLUED,
    KEPT_WITHHELD,
    NAME_WITHHELD,
    PREFIXES,
    AuthorSpan,
    Pseudonymiser,
    authors_json,
    authors_of,
    foreign_pieces,
    glued_id_pattern,
    id_candidates,
    id_matches,
    id_texts,
    kept_withheld,
    name_candidates,
    name_forms,
    name_key,
    one_word_names_each,
    organisation_fold,
    organisation_name_problem,
    organisation_spelling,
    pseudonymise_authored,
    pseudonymiser_for,
    pseudonyms_named,
    reader_scope,
    restore_authored,
    written_keys,
)
from avert.config.settings import Settings, load_settings
from avert.config.timezone import DEFAULT_TIMEZONE, local_now, local_today
from avert.errors import ConfigError
from avert.policy import POLICE_ROLES
from avert.schema import DETECTED_GROUP_PREFIX, ITEM_KINDS, TABLES
from avert.store import Store, audit, queries
from avert.store.delivery import DELIVERY_TABLES, put_versioned_all
from avert.store.kept import kept_answer
from avert.workflows.users import User, account_orgs_of
from avert.written_identity import (
    ADDRESS_WITHHELD,
    DATE_WITHHELD,
    ID_WITHHELD,
    POSTCODE_WITHHELD,
    WITHHELD_MARKERS,
    address_candidates,
    withheld_dates,
    written_dates,
    written_postcodes,
)

#: The example plan shipped with avert (also ``docs/example-plan.yaml``).
EXAMPLE_PLAN = "example-plan.yaml"
#: The system user of CLI changes when no account is named.
_BOOKKEEPING = ("updated_at", "version")
#: Fields a partner may change on their own organisation's actions.
PARTNER_FIELDS = frozenset(
    {"status", "rag", "rag_reason", "evidence", "review_date", "owner"}
)
#: Fields anyone with edit-action may change from the web or CLI.
EDITABLE_FIELDS = PARTNER_FIELDS | frozenset(
    {"due", "lead_organisation", "approach", "supporting", "title", "area", "board"}
)


def _now(store: Store) -> dt.datetime:
    """Now in the force's zone (the store's), as every stored time."""
    return local_now(store.timezone).replace(microsecond=0)


def _system_user() -> User:
    return User(username=audit.current_user(), role="analyst")


def partner_pseudonymiser(
    settings: Settings | None,
    *,
    reader: User | None = None,
    allow_demo_key: bool = False,
    at: dt.datetime | None = None,
) -> Pseudonymiser:
    """The pseudonymiser of a partner reader: the one place it is made from the
    account (refused without a real key, unless ``allow_demo_key``:
    :func:`avert.access.pseudonymiser_for`); the delivery workflows', the web
    views' and the command line's. Under ``pseudonym_scope`` ``organisation``
    the key of ``reader``'s organisation, or the board's for a board reader
    (:func:`avert.access.reader_scope`): a ConfigError without a reader of an
    organisation, so no output is made with a key its reader does not read.
    Under a rotating key, the key of the period holding ``at`` (default: now)."""
    scope = partner_scope(settings, reader)
    return pseudonymiser_for(
        settings.pseudonym_key or None if settings else None,
        rotation=settings.pseudonym_rotation if settings else "none",
        at=at or local_now(settings.timezone if settings else DEFAULT_TIMEZONE),
        allow_demo=allow_demo_key,
        scope=scope,
    )


def scope_as_accounts_spell(store: Store, scope: str | None) -> str | None:
    """``scope`` (:func:`avert.access.reader_scope`) with its organisation as
    the accounts spell it (:func:`accounts_spelling`, the rule a partner
    briefing's taskings are matched by): ``--org council`` or ``" Council "``
    on the command line is in the pseudonyms the accounts of "Council" read on
    the web (their organisation exactly as stored, as :func:`avert.policy.decide`
    compares it), not a key of its own. Any other scope as it is."""
    prefix = "organisation:"
    if scope is None or not scope.startswith(prefix):
        return scope
    org = accounts_spelling(account_orgs(store), scope.removeprefix(prefix))
    return f"{prefix}{org}" if org else scope


def unheld_scope_note(store: Store, scope: str | None) -> str | None:
    """What to tell whoever made a partner output in the key of an organisation
    (``scope`` ``organisation:ORG``, as :func:`scope_as_accounts_spell` gives
    it) that no account holds, else None: its key is of the name as spelt
    (:func:`avert.access.organisation_spelling`), so "Council" one day and
    "council" the next, or the accounts made later in another spelling, read
    other pseudonyms. When some account has an organisation, the note names
    them: a misspelt ``--org`` ("Councl") makes a file in a key no account
    reads, listing none of the organisation's taskings, and the note said only
    to keep the misspelling and make accounts in it."""
    prefix = "organisation:"
    if scope is None or not scope.startswith(prefix):
        return None
    org = scope.removeprefix(prefix)
    orgs = account_orgs(store)
    if org in orgs:
        return None
    held = (
        f" (a misspelling? the accounts' organisations: {', '.join(orgs)})"
        if orgs
        else ""
    )
    return (
        f"No account is of the organisation {org!r}: the output is in the key of "
        f"{org!r} as spelt here, which no account reads{held}. For an "
        "organisation without accounts, name it in this spelling each time, and "
        "make its accounts in it ('avert users add --org'), or they read other "
        "pseudonyms."
    )


def partner_scope(settings: Settings | None, reader: User | None) -> str | None:
    """Whose pseudonyms ``reader`` reads (:func:`avert.access.reader_scope`
    under the setting ``pseudonym_scope``): None under ``shared``; the board's
    or ``reader``'s organisation's under ``organisation`` (a ConfigError
    without a reader of an organisation)."""
    return reader_scope(
        settings.pseudonym_scope if settings else "shared",
        role=reader.role if reader else "",
        org=reader.org if reader else None,
    )


#: A workflow's ``pseudonym_scope`` when its caller names none (the default of
#: :func:`avert.workflows.briefing.build_briefing`, ``run_briefing`` and
#: :func:`avert.workflows.marac.run_marac`): the scope of the output's reader
#: under the setting ``pseudonym_scope`` (:func:`output_scope`), never the
#: shared key by omission.
SCOPE_OF_SETTINGS: Final = "settings"


def output_scope(
    store: Store,
    scope: str | None,
    *,
    organisation: str | None,
    role: str = "partner",
    settings: Settings | None = None,
) -> str | None:
    """Whose key a partner output of a workflow is in (:class:`avert.access.Pseudonymiser`'s
    ``scope``), its organisation as the accounts spell it
    (:func:`scope_as_accounts_spell`).

    ``scope`` as given (None: the secret's, shared by every partner reader;
    ``board``; ``organisation:ORG``), or :data:`SCOPE_OF_SETTINGS`: the scope of
    a ``role`` reader of ``organisation`` under the setting ``pseudonym_scope``
    of ``settings`` (default: read from the environment,
    :func:`avert.config.settings.load_settings`), as the command line and the
    web app choose it. Under ``organisation`` (the default setting) a
    ConfigError when no organisation is named for a partner: a library call
    that names none made a partner output in the shared key's pseudonyms, which
    no reader of an organisation reads, and which link across organisations."""
    if scope == SCOPE_OF_SETTINGS:
        setting = (settings or load_settings()).pseudonym_scope
        if setting == "organisation" and role != "board" and not organisation:
            msg = (
                "Under pseudonym_scope 'organisation' (the setting, and its default) "
                "a partner output is made with its reader's organisation's key: name "
                "the organisation (organisation=..., as stored on its accounts), or "
                "pass pseudonym_scope ('organisation:ORG', 'board', or None for the "
                "key shared by every partner)."
            )
            raise ConfigError(msg)
        scope = reader_scope(setting, role=role, org=organisation)
    return scope_as_accounts_spell(store, scope)


def stored_ids_shown(
    store: Store,
    pseudo: Pseudonymiser,
    texts: Sequence[str | None],
    *,
    names: queries.StoredNames | None = None,
    kept: dict[str, str] | None = None,
    people: dict[str, tuple[list[str], list[str]]] | None = None,
    min_id_chars: int = 1,
) -> dict[str, str]:
    """Each stored record id and name that ``texts`` write, to what partners read
    instead: its pseudonym (kind person first, then incident, group, ASB report,
    stop and intelligence item, if one id is two).

    The words that may be ids (:func:`avert.access.id_candidates`) are asked of the
    store at once (:func:`avert.store.queries.stored_ids`): a word that only looks
    like an id is not replaced. So are the runs of words that may be a stored
    person's name (two words or more, in full order or surname first) or a
    group's name (:func:`avert.access.name_candidates`,
    :func:`avert.store.queries.stored_names`): a person's name is shown as the
    person's pseudonym in each way it may be written
    (:func:`avert.access.name_forms`), a name two stored people share as
    :data:`avert.access.NAME_WITHHELD`. The dates of birth, postcodes and
    addresses they write are shown as withheld markers
    (:func:`identity_withheld`). ``names``: the stored names as an output
    that asks this of several texts keeps them, read once
    (:class:`avert.store.queries.StoredNames`); else they are read here.
    ``kept``: the words a partner's save kept withheld (the rows'
    :func:`avert.access.kept_withheld`), each shown as its marker too.
    ``people``: filled with each stored person the texts name, for the words
    of their name written alone (:func:`one_word_shown`). ``min_id_chars``:
    the fewest characters of a stored id looked for (:data:`MIN_ID_CHARS` in
    the ids a plan author wrote: :func:`author_ids_shown`)."""
    names = names or queries.StoredNames(store)
    shown, named = _shown_and_people(store, pseudo, texts, names, min_id_chars)
    if people is not None:
        people.update(named)
    for words, marker in (kept or {}).items():
        shown.setdefault(words, marker)
    return shown


def one_word_shown(
    texts: Sequence[str | None],
    spans: Sequence[Sequence[AuthorSpan]],
    org: str | None,
    people: dict[str, tuple[list[str], list[str]]],
    subjects: Sequence[Sequence[str]] | None = None,
) -> list[dict[str, str]]:
    """Per text of ``texts``, the words of a stored person's name it writes
    alone near another clue of the person, in the pieces of it that ``org``
    did not write (:func:`avert.access.one_word_names`, ``people`` from
    :func:`stored_ids_shown`): each text on its own, as a reader reads it and
    as a save of it puts the words back. ``subjects``: per text, the people
    its tasking is about (:func:`subject_people`), a clue all through it
    (in ``people`` with their name's words: :func:`with_subjects`)."""
    if not people:
        return [{} for _ in texts]
    pieces = [
        foreign_pieces([t], [s], org) if t else []
        for t, s in zip(texts, spans, strict=True)
    ]
    about = subjects or [()] * len(texts)
    found = iter(
        one_word_names_each(
            [p for ps in pieces for p in ps],
            people,
            present=[who for ps, who in zip(pieces, about, strict=True) for _ in ps],
        )
    )
    return [{k: v for _ in ps for k, v in next(found).items()} for ps in pieces]


def with_subjects(
    names: queries.StoredNames,
    people: dict[str, tuple[list[str], list[str]]],
    subjects: Sequence[Sequence[str]],
) -> None:
    """``people`` (:func:`stored_ids_shown`'s) with each stored person of
    ``subjects`` it lacks, by their name's words (no clue written: the text
    is about them, :func:`one_word_shown`), in place."""
    lacking = sorted({p for who in subjects for p in who} - people.keys())
    for person, words in names.name_words(lacking).items():
        people[person] = ([], words)


def subject_people(store: Store, items: Sequence[tuple[Any, Any]]) -> list[list[str]]:
    """Per tasking subject of ``items`` (``(item_kind, item_id)``, the id as
    stored), the stored people a reader reads its tasking as about: a
    person's item its person; an incident's (``incident``, ``retaliation``)
    the people involved in it (:func:`avert.store.queries.involved_people`);
    none for a group (its members may be dozens: every word of their names
    withheld in every text of the tasking would hide ordinary words, Green,
    Young, May, and the members a text names by id or full name are clues
    already), a place, a cell or an area."""
    kinds = [ITEM_KINDS.get(str(k), str(k)) if k else None for k, _ in items]
    incidents = [
        str(i) for k, (_, i) in zip(kinds, items, strict=True) if k == "incident" and i
    ]
    involved = queries.involved_people(store, incidents)
    return [
        [str(i)]
        if k == "person" and i
        else involved.get(str(i), [])
        if k == "incident" and i
        else []
        for k, (_, i) in zip(kinds, items, strict=True)
    ]


def _shown_and_people(
    store: Store,
    pseudo: Pseudonymiser,
    texts: Sequence[str | None],
    names: queries.StoredNames,
    min_id_chars: int = 1,
) -> tuple[dict[str, str], dict[str, tuple[list[str], list[str]]]]:
    """What :func:`stored_ids_shown` shows for ``texts`` (without the words
    kept, or one word of a name; no stored id of fewer than ``min_id_chars``
    characters), and each stored person the texts name by id
    or by a name no other stored person has, or whose date of birth or address
    they write withheld: their clue keys (their id, their name's forms, those
    words) and their name's words (:func:`avert.access.one_word_names`)."""
    shown: dict[str, str] = {}
    people: set[str] = set()
    clues: dict[str, list[str]] = {}
    candidates = id_candidates(texts)
    asked = set(candidates)
    read = id_texts(texts)  # and as ids in them read (invisible characters...)
    both = [
        (kind, real)
        for kind, real in queries.stored_ids(
            store, sorted(asked | glued_asked(read) | glued_asked(read, run_on=True))
        )
        if len(real) >= min_id_chars
    ]
    found = [(kind, real) for kind, real in both if real in asked]
    for kind, real in found:
        shown.setdefault(real, pseudo(kind, real))
        if kind == "person":
            people.add(real)
            clues.setdefault(real, []).append(name_key(real))
    for kind, real in _glued_found(read, both, found):
        shown.setdefault(GLUED + real.lower(), pseudo(kind, real))
        if kind == "person":
            people.add(real)
    for run in _run_on_runs(read, both, found):
        shown.setdefault(run, ID_WITHHELD)
    for word, group in detected_group_words(candidates, found).items():
        shown.setdefault(word, pseudo("group", group))
    for kind in ("person", "group"):
        keys = _asked_names(texts, names, kind)
        owners: dict[str, set[str]] = {}
        for real, _, key in names.find_keyed(keys, kind=kind):
            owners.setdefault(key, set()).add(real)
        for name, ids in owners.items():
            value = pseudo(kind, min(ids)) if len(ids) == 1 else NAME_WITHHELD
            forms = name_forms(name) if kind == "person" else [name]
            for form in forms:
                shown.setdefault(form, value)
            if kind == "person":
                people.update(ids)
                if len(ids) == 1:
                    clues.setdefault(min(ids), []).extend(forms)
    holders: dict[str, list[str]] = {}
    for words, marker in identity_withheld(
        store, names, texts, people, holders
    ).items():
        shown.setdefault(words, marker)
    for person, keys in holders.items():
        clues.setdefault(person, []).extend(keys)
    words_of = names.name_words(sorted(clues))
    return shown, {p: (c, words_of[p]) for p, c in clues.items() if p in words_of}


def detected_group_words(
    candidates: Sequence[str], found: Sequence[tuple[str, str]]
) -> dict[str, str]:
    """Each of ``candidates`` (words of a text) that is a detected group's id
    written in another case, or of a group no longer detected, to that group's id
    as :func:`avert.analyse.networks.detect_groups` makes it.

    A detected group's id holds a member's person id (``net-P0000046``). Written
    as stored it is the group's pseudonym for partners and the board; written in
    another case ("NET-P0000046", "net-p0000046"), or once the group is no longer
    detected (its members changed since the text was written), it was no stored
    id: its person id was found instead, and the partner read "net-" beside that
    person's pseudonym, which said who the group's member is. Such a word is the
    group's pseudonym now, the same in any case and whether or not the group is
    still stored. ``found``: the ``(kind, id)`` of the candidates that are
    stored ids (:func:`avert.store.queries.stored_ids`).

    >>> detected_group_words(
    ...     ["NET-P12", "net-p12", "net-P9", "P12", "p12"], [("person", "P12")]
    ... )
    {'NET-P12': 'net-P12', 'net-p12': 'net-P12'}
    """
    people = {real.lower(): real for kind, real in found if kind == "person"}
    size = len(DETECTED_GROUP_PREFIX)
    return {
        word: DETECTED_GROUP_PREFIX + people[word[size:].lower()]
        for word in candidates
        if word[:size].lower() == DETECTED_GROUP_PREFIX
        and word[size:].lower() in people
    }


def people_written(
    store: Store, texts: Sequence[str | None], *, police: bool
) -> list[str]:
    """The people free text shown names, sorted, as an audit row counts them:
    read by the police, the stored person ids it writes, as words of their own
    or run into other letters ("xP0000016", shown to the police as typed), and
    each stored person a name it writes belongs to (found as
    :func:`stored_ids_shown` finds them for partners:
    :func:`avert.access.id_candidates`, :func:`glued_asked`, the store's names);
    read by a partner or the board (the text already as they read it), the
    person pseudonyms it writes, and each stored person id it still writes:
    one the partner typed itself reads back as typed (as an unknown id would,
    so typing tells it nothing: docs/delivery.md), and it was shown that id,
    so its row counts it, as shown (the id; a person it also read by pseudonym
    counts twice, the safe side of a count of people shown). A tasking's
    what, who and result, a plan action's title: a person shown there was
    shown as surely as in a list.
    The police's kept per data generation and texts
    (:func:`avert.store.kept.kept_answer`): the store's names read and keyed
    cost 0.25 s of CPU a view on a SQLite store of 200,000 names (Today and the
    Meeting shown again, the same texts, read nothing)."""
    shown = [t for t in texts if t]
    if not shown:
        return []
    if not police:
        return sorted(
            {p for t in shown for p in pseudonyms_named(t, "person")}
            | _person_ids_written(store, [_PSEUDONYM.sub(" ", t) for t in shown])
        )
    return kept_answer(
        store, ("people_written", tuple(shown)), lambda: _people_written(store, shown)
    )


def _people_written(store: Store, texts: Sequence[str]) -> list[str]:
    """The stored people ``texts`` write by id or stored name, sorted: an id
    written as a word of its own or run into other letters or digits
    ("xP0000016", :func:`_glued_found`), as :func:`stored_ids_shown` finds the
    ids it shows partners as pseudonyms, in the one look-up of the store."""
    found = _person_ids_written(store, texts)
    names = queries.StoredNames(store)
    keys = _asked_names(texts, names, "person")
    found.update(real for real, _, _ in names.find_keyed(keys, kind="person"))
    return sorted(found)


#: A pseudonym of any kind as shown (``P-`` and twelve upper-case hex digits),
#: no stored id (its hex digits are not asked of the store as one).
_PSEUDONYM: Final = re.compile(rf"[{''.join(PREFIXES.values())}]-[0-9A-F]{{12}}")


def _person_ids_written(store: Store, texts: Sequence[str]) -> set[str]:
    """The stored person ids ``texts`` write as words of their own or run into
    other letters or digits ("xP0000016", :func:`_glued_found`), also with
    invisible or look-alike characters (:func:`avert.access.id_texts`), as
    :func:`stored_ids_shown` finds the ids it shows partners as pseudonyms,
    in one look-up of the store."""
    candidates = id_candidates(texts)
    asked = set(candidates)
    read = id_texts(texts)
    both = queries.stored_ids(store, sorted(asked | glued_asked(read)))
    whole = [(kind, real) for kind, real in both if real in asked]
    return {
        real
        for kind, real in [*whole, *_glued_found(read, both, whole)]
        if kind == "person"
    }


def _asked_names(
    texts: Sequence[str | None], names: queries.StoredNames, kind: str
) -> list[str]:
    """The runs of ``texts``' words that may be a stored name of ``kind``
    (:func:`avert.access.name_candidates`), only those whose every word is a
    word of a stored name (``names``' index, made once per output): the store
    finds the same names, and a force's texts are searched once, not each run
    of each text formed in two cases."""
    return name_candidates(
        texts, min_words=queries.name_words(kind), known=_NameWords(names, kind)
    )


class _NameWords:
    """The words of the stored names of ``kind``
    (:meth:`avert.store.queries.StoredNames.words`), read when first asked:
    texts too short to write a name read no name."""

    def __init__(self, names: queries.StoredNames, kind: str) -> None:
        self._names = names
        self._kind = kind

    def __contains__(self, word: object) -> bool:
        return word in self._names.words(self._kind)


#: What a partner's save keeps withheld: a marker, never a pseudonym (which a
#: rotating key changes).
_KEPT_MARKERS = WITHHELD_MARKERS | {NAME_WITHHELD}


def withheld_after_save(
    store: Store,
    before: dict[str, str],
    after_pieces: Sequence[str | None],
    after_texts: Sequence[str | None],
) -> dict[str, str]:
    """The police's words a partner's save keeps withheld (the row's
    :func:`avert.access.kept_withheld` after it).

    ``before``: what the partner was shown in place of words
    (:func:`stored_ids_shown` of the stored texts, with the words kept
    before). Each marker of it whose words the saved texts (``after_texts``)
    still write, but that the partner's view of them (``after_pieces``: its
    pieces of another writer's words, :func:`avert.access.foreign_pieces`)
    would no longer withhold, is kept: a date is withheld as the date of birth
    of a person the same texts name, and deleting the name beside it must not
    show it. Kept as a mark, not refused: a refusal would tell the partner that
    the words it deleted made the marker (that the date is the date of birth
    of the person it deleted). A word of a name withheld near its person's
    clue (:func:`one_word_shown`) is kept while written, clue or not: its text
    alone says whether it is still withheld, and a word the partner reads in
    one text and not in another of the row would tell it the clue it cut."""
    markers = {name_key(w): m for w, m in before.items() if m in _KEPT_MARKERS}
    if not markers:
        return {}
    pseudo = Pseudonymiser(None)  # only the markers are used, never a pseudonym
    natural = {name_key(w) for w in stored_ids_shown(store, pseudo, after_pieces)}
    still = written_keys(after_texts, markers)
    return {w: m for w, m in markers.items() if w in still and w not in natural}


def rows_kept_withheld(frame: pl.DataFrame) -> dict[int, dict[str, str]]:
    """The words kept withheld (:func:`avert.access.kept_withheld`) of each
    row of ``frame`` that has some (its ``authors``), by row number. Each is
    withheld in its own row only: withheld in another row's words too, a
    date the partner reads there would become a marker after its save, and
    tell it what the marker of its own row hides."""
    if "authors" not in frame.columns:
        return {}
    marked = frame.with_row_index("i").filter(
        pl.col("authors")
        .cast(pl.String)
        .str.contains(f'"{KEPT_WITHHELD}"', literal=True)
        .fill_null(value=False)
    )
    return {
        int(i): kept
        for i, a in zip(marked["i"], marked["authors"], strict=True)
        if (kept := kept_withheld(a))
    }


def identity_withheld(
    store: Store,
    names: queries.StoredNames,
    texts: Sequence[str | None],
    people: set[str],
    owners: dict[str, list[str]] | None = None,
) -> dict[str, str]:
    """The dates of birth, postcodes and addresses ``texts`` write, each to the
    marker partners read instead (:mod:`avert.written_identity`): a date after
    a date-of-birth clue, or that is the date of birth of one of ``people`` (the
    stored people the texts name), or a stored one at least five years old;
    every full postcode (one whose inward code reads as something else, a
    lower-case ordinal, ``Y7 2nd``, or a clock time, ``A61 9pm``, only when
    stored); a stored address's street line. The store is asked through
    ``names`` (the people read once per output). ``owners``: filled with the
    words of each withheld date and address, by the stored people whose date
    of birth or address they are (clues of those people:
    :func:`avert.access.one_word_names`)."""
    out: dict[str, str] = {}
    dates = written_dates(texts)
    if dates:
        asked = [day for d in dates for day in d.days]
        for words in withheld_dates(
            dates,
            named_births=names.births(ids=sorted(people)),
            stored_births=names.births(days=asked),
            today=local_today(store.timezone),
        ):
            out.setdefault(name_key(words), DATE_WITHHELD)
        if owners is not None:
            withheld = [d for d in dates if name_key(d.text) in out]
            born = names.born_on([day for d in withheld for day in d.days])
            for d in withheld:
                for person in {p for day in d.days for p in born.get(day, ())}:
                    owners.setdefault(person, []).extend(
                        name_key(w) for w in (d.text, d.with_clue) if w
                    )
    postcodes = written_postcodes(texts)
    stored = names.postcodes([p.key for p in postcodes if p.doubtful])
    for p in postcodes:
        if not p.doubtful or p.key in stored:
            out.setdefault(name_key(p.text), POSTCODE_WITHHELD)
    runs = address_candidates(texts)
    for key, living in names.living_at(list(runs)).items():
        for words in runs[key]:
            out.setdefault(name_key(words), ADDRESS_WITHHELD)
            if owners is not None:
                for person in living:
                    owners.setdefault(person, []).append(name_key(words))
    return out


def pseudonymise_stored_ids(
    store: Store,
    pseudo: Pseudonymiser,
    frame: pl.DataFrame,
    columns: Sequence[str],
    *,
    names: queries.StoredNames | None = None,
    org: str | None = None,
    targets: dict[str, list[tuple[str | None, str | None]]] | None = None,
    subjects: Sequence[Sequence[str]] | None = None,
    min_id_chars: int = 1,
) -> pl.DataFrame:
    """``frame`` with every stored record id and name in its free-text ``columns``
    (those it has) replaced by its pseudonym (:func:`stored_ids_shown`, with the
    ``names`` already read if given; :func:`avert.access.pseudonymise_authored`):
    police free text read by a partner or the board names no record by its id, and
    no stored person or group by name.

    ``org``: the reader's partner organisation, which reads the words it wrote
    (the rows' ``authors``: :func:`avert.access.authors_of`) as written, so that
    typing a stored id or name tells it nothing of the store. ``targets``: per
    column, each row's ``(id, pseudonym)`` of its subject, replaced too.
    ``subjects``: each row's stored people its texts are about (a tasking's:
    :func:`subject_people`), a clue all through each of them, so a word of
    their name written alone is withheld anywhere in it
    (:func:`one_word_shown`). ``min_id_chars``: the fewest characters of a
    stored id looked for (:func:`stored_ids_shown`; a row's own subject's id,
    ``targets``, is replaced whatever its length)."""
    present = [c for c in columns if c in frame.columns]
    if frame.height == 0 or not present:
        return frame
    names = names or queries.StoredNames(store)
    texts = {c: frame[c].to_list() for c in present}
    spans = {c: authored_spans(frame, c, org) for c in present}
    people: dict[str, tuple[list[str], list[str]]] = {}
    shown = stored_ids_shown(
        store,
        pseudo,
        [p for c in present for p in foreign_pieces(texts[c], spans[c], org)],
        names=names,
        people=people,
        min_id_chars=min_id_chars,
    )
    if subjects is not None:
        with_subjects(names, people, subjects)
    out = {
        c: pseudonymise_authored(texts[c], spans[c], org, shown, (targets or {}).get(c))
        for c in present
    }
    alone = {
        c: one_word_shown(texts[c], spans[c], org, people, subjects) for c in present
    }
    kept = rows_kept_withheld(frame)
    for c in present:
        target = (targets or {}).get(c)
        for i in range(frame.height):
            # the words a partner's save kept withheld, in their own row only;
            # a word of a name near its person's clue, in its own text only
            if i not in kept and not alone[c][i]:
                continue
            out[c][i] = pseudonymise_authored(
                [texts[c][i]],
                [spans[c][i]],
                org,
                {**kept.get(i, {}), **alone[c][i], **shown},
                None if target is None else [target[i]],
            )[0]
    return frame.with_columns(pl.Series(c, out[c], dtype=pl.String) for c in present)


#: Fewest characters of a stored id looked for in an id a plan author wrote (an
#: objective's, an action's: :func:`author_ids_shown`), whole or run into other
#: letters: one of one or two characters is not told from the plan's own
#: numbering (the example plan's Prevention objectives are P1 and P2; on a store
#: whose people are P1, P2, ... the board read a person's pseudonym for an
#: objective, and its audit row counted a person no page named). A row's own
#: subject's id is its pseudonym whatever its length.
MIN_ID_CHARS: Final = 3
#: Fewest characters of a stored id looked for run into other letters or digits
#: (:func:`glued_ids_shown`, and free text: :func:`stored_ids_shown`).
_GLUED_MIN_CHARS: Final = 3
#: Most characters of a stored id looked for run into other letters or digits:
#: the pieces of a run grow as its length squared (a pasted 1,000-character
#: token in a tasking's what asked the store 3 million words, and a partner's
#: Today took 22 s and 5.7 GB; capped, 0.7 s and 0.3 GB), and a record id is far shorter.
_GLUED_MAX_CHARS: Final = 64


def _glued_parts(written: str, *, run_on: bool = False) -> set[str]:
    """The parts of ``written`` that may be an id run into other letters or
    digits ("P0000123visit", "xP0000123"): each piece, of
    :data:`_GLUED_MIN_CHARS` to :data:`_GLUED_MAX_CHARS` characters and with a
    digit, of each run of ASCII letters and digits that mixes both, short of
    the whole run (a whole run is a word :func:`avert.access.id_candidates`
    reads already), and whose digits go on into no digit of the run: an id's
    digits are one number ("P00000161" holds no "P0000016":
    :func:`avert.access.glued_id_pattern` shows it so). ``run_on``: instead
    the pieces whose digits do go on into more digits of the run, at either
    end ("P0000016" of "P000001607700900123", "7ab" of "67ab"), a stored id
    in which :func:`_run_on_runs` withholds. Each run is scanned in windows
    of :data:`_GLUED_MAX_CHARS` from each of its characters, so an id
    anywhere in a run of any length is found.

    >>> sorted(_glued_parts("xP12 a1b2"))
    ['1b2', 'P12', 'a1b']
    >>> sorted(_glued_parts("P123x", run_on=True))
    ['23x', 'P12']
    """
    out: set[str] = set()
    for run in re.findall(r"[0-9A-Za-z]+", written):
        if run.isdigit() or run.isalpha():
            continue
        # where a part may start, and end: not between two digits
        cuts = [
            k == 0 or k == len(run) or not (run[k - 1].isdigit() and run[k].isdigit())
            for k in range(len(run) + 1)
        ]
        for start in range(len(run)):
            if not (cuts[start] or run_on):
                continue
            last = min(len(run), start + _GLUED_MAX_CHARS)
            for end in range(start + _GLUED_MIN_CHARS, last + 1):
                part = run[start:end]
                if (
                    (cuts[start] and cuts[end]) != run_on
                    and part != run
                    and any(ch.isdigit() for ch in part)
                ):
                    out.add(part)
    return out


def glued_asked(texts: Sequence[str | None], *, run_on: bool = False) -> set[str]:
    """The words asked of the store as stored ids run into other letters or
    digits of ``texts``' words: each of their :func:`_glued_parts` (``run_on``:
    those whose digits go on into more), as written, upper and lower case
    (:func:`avert.store.queries.stored_ids` matches case as stored)."""
    return {
        v
        for w in texts
        if w
        for p in _glued_parts(w, run_on=run_on)
        for v in (p, p.upper(), p.lower())
    }


def _glued_found(
    texts: Sequence[str | None],
    stored: Sequence[tuple[str, str]],
    whole: Sequence[tuple[str, str]],
) -> list[tuple[str, str]]:
    """The ``stored`` ids (``(kind, id)``) that ``texts`` write run into other
    letters or digits of a word (:func:`_glued_parts`) that is not itself a
    stored id written whole (``whole``: shown as its own pseudonym, so
    "P12345" names no "P123")."""
    whole_ids = {real.lower() for _, real in whole}
    runs = {
        run.lower()
        for t in texts
        if t
        for run in re.findall(r"[0-9A-Za-z]+", t)
        if run.lower() not in whole_ids
    }
    parts = {p.lower() for run in runs for p in _glued_parts(run)}
    return [
        (kind, real)
        for kind, real in stored
        if len(real) >= _GLUED_MIN_CHARS and real.lower() in parts
    ]


def _run_on_runs(
    texts: Sequence[str | None],
    stored: Sequence[tuple[str, str]],
    whole: Sequence[tuple[str, str]],
) -> set[str]:
    """The runs of ASCII letters and digits of ``texts`` in which a ``stored``
    id's digits go on into more digits (:func:`_glued_parts` ``run_on``:
    "P000001607700900123", a phone number run on from "P0000016", or
    "P00000161"), each not itself a stored id written whole (``whole``).

    Such a run names no stored person for sure (an id's digits are one
    number), yet shown as written it holds a stored id's characters raw, and
    shown as the id's pseudonym and the other digits it suggests a link: a
    partner and the board read it as :data:`ID_WITHHELD`, and no audit row
    counts a person for it."""
    ids = {real.lower() for _, real in stored if len(real) >= _GLUED_MIN_CHARS}
    whole_ids = {real.lower() for _, real in whole}
    return {
        run
        for t in texts
        if t
        for run in re.findall(r"[0-9A-Za-z]+", t)
        if run.lower() not in whole_ids
        and any(p.lower() in ids for p in _glued_parts(run, run_on=True))
    }


def glued_ids_shown(
    store: Store,
    pseudo: Pseudonymiser,
    written: Sequence[str | None],
    shown: Sequence[str | None],
    targets: Sequence[tuple[str | None, str | None]] | None = None,
) -> list[str | None]:
    """``shown`` (the ids a plan author ``written``, as a partner or the board
    reads them: :func:`pseudonymise_stored_ids`) with each stored record id run
    into other letters or digits of it, and each row's own subject's id
    (``targets``: ``(id, pseudonym)``), as its pseudonym too, in any case.

    An id is a word of free text only set apart ('-', '_', '.', ':', '/', '#'
    or a space: :data:`avert.access.ID_TOKEN`): "P0000123visit" or
    "xP0000123" was read as written, beside the subject's pseudonym. The parts
    of the ids that may be one (:func:`_glued_parts`) are asked of the store
    at once (:func:`avert.store.queries.stored_ids`)."""
    parts = sorted(glued_asked(written))
    found: dict[str, str] = {}
    for kind, real in queries.stored_ids(store, parts) if parts else []:
        found.setdefault(real.lower(), pseudo(kind, real))
    out: list[str | None] = []
    pairs = targets or [(None, None)] * len(shown)
    for text, (subject, alias) in zip(shown, pairs, strict=True):
        swap = dict(found)
        if subject and alias and subject != alias and len(subject) >= _GLUED_MIN_CHARS:
            swap.setdefault(subject.lower(), alias)
        if not text or not swap:
            out.append(text)
            continue
        out.append(_swapped(_subject_run_on_withheld(text, subject), swap))
    return out


def _subject_run_on_withheld(text: str, subject: str | None) -> str:
    """``text`` with each run of it in which the row's own subject's id (stored
    or not) goes on into more digits as :data:`ID_WITHHELD`
    (:func:`_run_on_runs`)."""
    if not subject or len(subject) < _GLUED_MIN_CHARS:
        return text
    runs = _run_on_runs(id_texts([text]), [("", subject)], [])
    if not runs:
        return text
    return _replaced(
        text, _ASCII_RUN, lambda read: ID_WITHHELD if read in runs else None
    )


#: A run of ASCII letters and digits (as :func:`_run_on_runs` reads a text).
_ASCII_RUN: Final = re.compile(r"[0-9A-Za-z]+")


def _replaced(
    text: str, pattern: re.Pattern[str], value_of: Callable[[str], str | None]
) -> str:
    """``text`` with each match of ``pattern`` in it, as written or as ids in it
    read (:func:`avert.access.id_matches`: a zero width space, a fullwidth
    digit), as ``value_of`` the match read, where that is not None."""
    parts, at = [], 0
    for a, b, read in id_matches(pattern, text):
        value = value_of(read)
        if value is not None:
            parts += [text[at:a], value]
            at = b
    return "".join(parts) + text[at:]


def author_ids_shown(
    store: Store,
    pseudo: Pseudonymiser,
    frame: pl.DataFrame,
    column: str,
    *,
    targets: Sequence[tuple[str | None, str | None]] | None = None,
    names: queries.StoredNames | None = None,
) -> pl.DataFrame:
    """``frame`` with the ids a plan author wrote in its ``column`` (an
    objective's id, an action's) as a partner or the board reads them, on every
    page and output that shows them: each stored record id and name in one
    as its pseudonym (:func:`pseudonymise_stored_ids`), whole
    ("P0000123-aim") or run into other letters or digits ("aimP0000123"), and
    each row's own subject's id (``targets``: ``(id, pseudonym)``, stored or
    not, :func:`glued_ids_shown`) likewise; but no stored id of fewer than
    :data:`MIN_ID_CHARS` characters, which reads as written. The id alone is
    looked at (not the row's other text, nor the words a save kept withheld),
    so one id reads the same on every page."""
    if frame.height == 0 or column not in frame.columns:
        return frame
    written = frame.select(column)
    shown = pseudonymise_stored_ids(
        store,
        pseudo,
        written,
        (column,),
        names=names,
        targets=None if targets is None else {column: list(targets)},
        min_id_chars=MIN_ID_CHARS,
    )
    ids = glued_ids_shown(
        store, pseudo, written[column].to_list(), shown[column].to_list(), targets
    )
    return frame.with_columns(pl.Series(column, ids, dtype=pl.String))


def objectives_shown(
    store: Store,
    pseudo: Pseudonymiser,
    frame: pl.DataFrame,
    names: queries.StoredNames | None = None,
) -> pl.DataFrame:
    """Plans' or objectives' ``frame`` as a partner or the board reads it: each
    stored record id and name the police wrote in a title as its pseudonym
    (:func:`pseudonymise_stored_ids`), and in an objective's id as
    :func:`author_ids_shown` shows one."""
    shown = pseudonymise_stored_ids(store, pseudo, frame, ("title",), names=names)
    return author_ids_shown(store, pseudo, shown, "objective_id", names=names)


def _swapped(text: str, swap: dict[str, str]) -> str:
    """``text`` with each key of ``swap`` (lower case) in it, in any case and
    run into other letters, as its value: the longest first, not where its
    digits go on into more (:func:`avert.access.glued_id_pattern`)."""
    return _replaced(text, glued_id_pattern(swap), lambda read: swap[read.lower()])


def authored_spans(
    frame: pl.DataFrame, column: str, org: str | None
) -> list[list[AuthorSpan]]:
    """Each row's spans of ``column`` that partner organisation ``org`` wrote
    (the ``authors`` column: :func:`avert.access.authors_of`); none for other
    readers, or a frame without ``authors``."""
    if org is None or "authors" not in frame.columns:
        return [[] for _ in range(frame.height)]
    return [
        [s for s in authors_of(a, column, t) if s[2] == org]
        for a, t in zip(
            frame["authors"].to_list(), frame[column].to_list(), strict=True
        )
    ]


def pseudonymise_stored_in_rows(
    store: Store,
    pseudo: Pseudonymiser,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    *,
    org: str | None = None,
    targets: Sequence[tuple[str | None, str | None]] | None = None,
    subjects: Sequence[Sequence[str]] | None = None,
) -> None:
    """Every stored record id and name in the free text of ``rows`` under ``keys``
    replaced by its pseudonym, in place (:func:`pseudonymise_stored_ids` for rows
    already made into dicts: ``org`` reads its own words as written, ``targets``
    each row's subject, ``subjects`` the people it is about): the store is
    asked once for all of them."""
    if not rows:
        return
    frame = pl.DataFrame(
        {
            **{
                k: [r.get(k) if isinstance(r.get(k), str) else None for r in rows]
                for k in keys
            },
            "authors": [r.get("authors") for r in rows],
        },
        schema={**dict.fromkeys(keys, pl.String), "authors": pl.String},
    )
    shown = pseudonymise_stored_ids(
        store,
        pseudo,
        frame,
        keys,
        org=org,
        targets=None if targets is None else {k: list(targets) for k in keys},
        subjects=subjects,
    )
    for row, new in zip(rows, shown.iter_rows(named=True), strict=True):
        for k in keys:
            if isinstance(row.get(k), str):
                row[k] = new[k]


#: The free text of each delivery entity a partner may write, whose writers are
#: kept (``authors``: :func:`avert.access.authors_json`).
AUTHORED_FIELDS: dict[str, tuple[str, ...]] = {
    "action": ("evidence", "rag_reason"),
    "tasking": ("result",),
}


def _carry_authors(
    entity: str, full: dict[str, Any], old: dict[str, Any] | None, *, given: bool
) -> None:
    """``full["authors"]`` for the text it is stored with. A writer that worked
    out who wrote the new text (a partner's save) gave ``authors`` anew
    (``given``), and that is kept; otherwise each changed field's spans are carried over from ``old``
    through the change (:func:`avert.access.restore_authored`), the new words
    counted as the police's: an unknown writer never gives a partner words it
    did not write. The words a partner's save kept withheld
    (:func:`avert.access.kept_withheld`) stay kept while the text writes them."""
    fields = AUTHORED_FIELDS.get(entity)
    if not fields:
        return
    before = old.get("authors") if old else None
    if old is None or (given and full.get("authors") != before):
        anew = full.get("authors") if given else None
        full["authors"] = authors_json(
            {f: (full.get(f), authors_of(anew, f, full.get(f))) for f in fields},
            _still_written(entity, full, kept_withheld(anew)),
        )
        return
    carried: dict[str, tuple[str | None, list[AuthorSpan]]] = {}
    for f in fields:
        text, was = full.get(f), old.get(f)
        spans = authors_of(before, f, was)
        carried[f] = (
            text,
            spans if text == was else restore_authored(text, was, spans, None)[1],
        )
    full["authors"] = authors_json(
        carried, _still_written(entity, full, kept_withheld(before))
    )


#: The free text of each delivery entity partners or the board may read, in
#: which words a partner's save kept withheld are looked for.
_READ_FIELDS: dict[str, tuple[str, ...]] = {
    "action": ("title", "evidence", "rag_reason"),
    "tasking": ("what", "result"),
}


def _still_written(
    entity: str, row: dict[str, Any], kept: dict[str, str]
) -> dict[str, str]:
    """The words of ``kept`` (:func:`avert.access.kept_withheld`) that ``row``'s
    free text still writes: the others are gone, and need no keeping."""
    if not kept:
        return {}
    texts = [
        t if isinstance(t := row.get(f), str) else None for f in _READ_FIELDS[entity]
    ]
    still = written_keys(texts, kept)
    return {w: m for w, m in kept.items() if w in still}


def _json(row: dict[str, Any] | None) -> str | None:
    if row is None:
        return None
    clean = {k: v for k, v in row.items() if k not in _BOOKKEEPING}
    return json.dumps(clean, default=str, sort_keys=True)


def _read_rows(store: Store, entity: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    table = DELIVERY_TABLES[entity]
    key = TABLES[table].primary_key[0]
    if not ids:
        return {}
    rows = store.read_frame(table, where=[(key, "in", ids)])
    return {str(r[key]): r for r in rows.to_dicts()}


def end_of_day(day: dt.date) -> dt.datetime:
    """The instant a day ends (the next day's midnight, force-local like every stored time)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())


def first_recorded_after(rows: pl.DataFrame, today: dt.date) -> int:
    """How many rows of :func:`avert.workflows.delivery._asof.read_delivery` for
    ``today`` avert first recorded later."""
    if rows.height == 0:
        return 0
    later = rows.select((pl.col("updated_at") >= end_of_day(today)).sum()).item()
    return int(later or 0)


def last_imported(
    store: Store, entity: str, ids: list[str]
) -> dict[str, dict[str, Any]]:
    """Each row as the plan file of the last import gave it (decoded), by id.

    That is ``file_json`` (``after_json`` should a plan-file row lack it).

    Rows no import wrote, or whose history predates the ``source`` column, are
    absent: their base is unknown.
    """
    if not ids:
        return {}
    history = store.read_frame(
        "delivery_history",
        columns=["entity_id", "version", "after_json", "file_json"],
        where=[
            ("entity", "=", entity),
            ("source", "=", "plan-file"),
            ("entity_id", "in", ids),
        ],
    )
    newest = history.sort("version").group_by("entity_id").last()
    # the file's row, not the merged row stored: a change the import kept is in
    # after_json and must not become the base (the same file would then revert it)
    base = newest.select(
        "entity_id", pl.coalesce("file_json", "after_json").alias("base")
    )
    return {
        str(i): json.loads(j)
        for i, j in zip(base["entity_id"], base["base"], strict=True)
    }


def as_json_values(row: dict[str, Any]) -> dict[str, Any]:
    """A row's values as its history stores them (dates as text), for comparing."""
    return dict(json.loads(_json(row) or "{}"))


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = (set(a) | set(b)) - set(_BOOKKEEPING)
    return all(a.get(k) == b.get(k) for k in keys)


@dataclass(frozen=True)
class _Pending:
    """The rows of one entity a save writes, their history, and what it counts."""

    entity: str
    rows: pl.DataFrame
    history: list[dict[str, Any]]
    #: (created, updated, unchanged)
    counts: tuple[int, int, int]


def _changes(
    store: Store,
    entity: str,
    rows: list[dict[str, Any]],
    *,
    user: User,
    now: dt.datetime | None = None,
    source: str = "app",
    file_rows: dict[str, dict[str, Any]] | None = None,
) -> _Pending:
    """The rows of ``rows`` that changed, versioned, with their history rows.

    A row that holds ``version`` was made from that version of the stored row;
    without one, from the version read here.
    """
    table = DELIVERY_TABLES[entity]
    spec = TABLES[table]
    key = spec.primary_key[0]
    before = _read_rows(store, entity, [str(r[key]) for r in rows])
    now = now or _now(store)
    out_rows: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    created = updated = 0
    for row in rows:
        full = {c: row.get(c) for c in spec.names}
        old = before.get(str(full[key]))
        _carry_authors(entity, full, old, given="authors" in row)
        if old is not None and _same(full, old):
            continue
        # made from the version the caller read (a row it read and changed carries
        # it), else the one read here: the store refuses the write when that is no
        # longer the stored version (put_versioned_all)
        made_from = row["version"] if row.get("version") is not None else None
        if old is not None and made_from is None:
            made_from = old["version"]
        full["version"] = int(made_from or 0) + 1 if old else 1
        full["updated_at"] = now
        if old is None:
            created += 1
        else:
            updated += 1
        out_rows.append(full)
        history.append(
            {
                "change_id": uuid.uuid4().hex,
                "at": now,
                "user_name": user.username,
                "role": user.role,
                "entity": entity,
                "entity_id": str(full[key]),
                "version": full["version"],
                "change": "update" if old else "create",
                "before_json": _json(old),
                "after_json": _json(full),
                "source": source,
                "file_json": _json((file_rows or {}).get(str(full[key]))),
            }
        )
    return _Pending(
        entity,
        pl.DataFrame(out_rows, schema=spec.schema),
        history,
        (created, updated, len(rows) - created - updated),
    )


def _write(
    store: Store,
    pending: list[_Pending],
    *,
    user: User,
    reason: str,
    unless_tasked: tuple[str, Sequence[str]] | None = None,
) -> None:
    """Store every entity's changed rows, and audit each change, in one transaction.

    Raises :class:`~avert.errors.ConflictError` (nothing written) when a row was
    changed by another writer since :func:`_changes` read it, or ``unless_tasked``
    finds a tasking (:func:`avert.store.delivery.put_versioned_all`).
    """
    parts = [
        (
            p.entity,
            p.rows,
            pl.DataFrame(p.history, schema=TABLES["delivery_history"].schema),
        )
        for p in pending
        if p.history
    ]
    if not parts:
        return
    # the changes and their audit rows in one transaction: both or neither (a
    # 1,000-action plan import wrote 1,005 audit transactions, 13 of its 20 s)
    put_versioned_all(
        store,
        parts,
        unless_tasked=unless_tasked,
        audit_entries=[
            {
                "action": "change",
                "obj": f"{p.entity}:{h['entity_id']}",
                "reason": f"{reason}: {h['change']} version {h['version']}",
                "role": user.role,
                "user": user.username,
            }
            for p in pending
            for h in p.history
        ],
    )


def _save(
    store: Store,
    entity: str,
    rows: list[dict[str, Any]],
    *,
    user: User,
    reason: str,
    now: dt.datetime | None = None,
    source: str = "app",
    file_rows: dict[str, dict[str, Any]] | None = None,
    unless_tasked: tuple[str, Sequence[str]] | None = None,
) -> tuple[int, int, int]:
    """Version, store, history and audit the rows that changed.

    ``source`` goes to the history: ``plan-file`` for a plan import (the base of
    the next import's merge), ``app`` otherwise; ``file_rows`` (by id) the rows as
    the plan file gave them, before the merge (``file_json``); ``unless_tasked``
    (``(item_id, item_kinds)``) writes nothing when such a tasking is stored. Returns
    (created, updated, unchanged).

    Raises
    ------
    ConflictError
        When a row changed since it was read here, or ``unless_tasked`` finds a
        tasking: nothing is written (:func:`_write`).
    """
    pending = _changes(
        store, entity, rows, user=user, now=now, source=source, file_rows=file_rows
    )
    _write(store, [pending], user=user, reason=reason, unless_tasked=unless_tasked)
    return pending.counts


def _last_change(store: Store, entity: str, entity_id: str) -> dict[str, Any]:
    """The latest change history row (``user_name``, ``at``, ``version``) of a
    delivery record, or {} when it has none: who a stale change is refused for."""
    history = store.read_frame(
        "delivery_history",
        columns=["user_name", "at", "version"],
        where=[("entity", "=", entity), ("entity_id", "=", entity_id)],
        order_by=["version", "at"],
    )
    return history.row(-1, named=True) if history.height else {}


def account_orgs(store: Store) -> tuple[str, ...]:
    """Every account's organisation, once each, in order (for
    :func:`accounts_spelling`), but a spelling superseded by another of an
    enabled account (:func:`avert.workflows.users.account_orgs_of`)."""
    users = store.read_frame("users", columns=["org", "disabled"])
    return tuple(account_orgs_of(users))


#: The lead organisation that names the police (matched ignoring case and spaces):
#: the police roles' accounts have no organisation and see and change every
#: action, so an enabled account of a police role holds it.
POLICE_LEAD: Final = "police"


def unheld_leads(store: Store, leads: Sequence[str]) -> list[str]:
    """The ``leads`` (lead organisations as stored) that no enabled account holds,
    in their order: no partner sees or updates those actions (the organisation's
    accounts disabled, or never made), so nobody answers for them to the board.

    An enabled account holds the lead of its organisation, matched as the accounts
    spell it (:func:`accounts_spelling`: ignoring case and surrounding spaces); the
    lead "police" (:data:`POLICE_LEAD`) is held too by an enabled account of a
    police role (:data:`avert.policy.POLICE_ROLES`), which has no organisation. A
    store with no enabled account (the command line alone) flags none.
    """
    users = store.read_frame("users", columns=["role", "org", "disabled"]).filter(
        ~pl.col("disabled").fill_null(value=False)
    )
    if users.is_empty():
        return []
    orgs = tuple(users["org"].drop_nulls().unique().sort())
    police = bool(users["role"].is_in(sorted(POLICE_ROLES)).any())

    def held(lead: str) -> bool:
        if police and lead.strip().lower() == POLICE_LEAD:
            return True
        return accounts_spelling(orgs, lead, keep_ambiguous=True) in orgs

    return [lead for lead in leads if not held(lead)]


def unheld_organisation_note(store: Store, organisation: str | None) -> str | None:
    """What to tell whoever gave a tasking to ``organisation`` (as saved) when no
    account is of it while some account has an organisation, else None.

    A tasking given to a misspelt organisation ("Councl") is saved as typed and
    no partner sees it (:func:`accounts_spelling`); the command line and the
    meeting page say so, naming the accounts' organisations. The organisation
    "police" (:data:`POLICE_LEAD`) is held by an enabled account of a police role
    as :func:`unheld_leads` holds it (the Plan page): no note then.
    """
    orgs = account_orgs(store)
    if not orgs or not organisation or organisation in orgs:
        return None
    if organisation.strip().lower() == POLICE_LEAD and not unheld_leads(
        store, [organisation]
    ):
        return None
    return (
        f"No account is of the organisation {organisation!r}: no partner sees or "
        "records this tasking until one is made (a misspelling? the accounts' "
        f"organisations: {', '.join(orgs)})"
    )


def accounts_spelling(
    orgs: Sequence[str], organisation: str | None, *, keep_ambiguous: bool = False
) -> str | None:
    """``organisation`` as the accounts (``orgs``) spell it, else as a new account
    would store it (:func:`avert.access.organisation_spelling`; None if blank).

    A partner sees, and records the result of, the taskings and leads the actions
    whose organisation is exactly their account's: a tasking given to "Council " or
    "Council", a plan action led by "Council", was never seen by the accounts of
    "council", and nobody was told. The name is matched to an account's
    organisation ignoring case, spaces and look-alike letters
    (:func:`avert.access.organisation_fold`), an account's own exact
    spelling first: where a store made before new accounts were refused a
    second spelling holds "Council" and "council", each typed exactly reaches
    its own. One no account holds (an agency without accounts) is kept. A
    tasking's stored name, and a plan action's stored lead, is matched again
    when it is read (:func:`with_accounts_spelling`), for the accounts made
    since.

    A name that matches two accounts' spellings and neither exactly names
    neither surely: typed (``avert brief --org``, a tasking's organisation, a
    plan action's lead) it is refused (:class:`avert.errors.ConfigError` naming
    both: the first was taken, and a partner output used that organisation's
    pseudonym key); read as stored (``keep_ambiguous``) it is kept as it is.

    >>> accounts_spelling(("Council", "council", "probation"), " COUNCIL ")
    Traceback (most recent call last):
    ...
    avert.errors.ConfigError: Organisation 'COUNCIL' matches the organisations of 2 accounts, 'Council' and 'council', and none exactly: type one of them as it is spelt
    >>> accounts_spelling(("Council", "council"), "COUNCIL", keep_ambiguous=True)
    'COUNCIL'
    >>> accounts_spelling(("Council", "council"), "council")
    'council'
    >>> accounts_spelling(("Leeds City Council",), "leeds  city council")
    'Leeds City Council'
    >>> accounts_spelling(("probation",), "Leeds  City Council ")
    'Leeds City Council'
    >>> accounts_spelling(("Council", "council "), "council ")  # stored so before
    'council '
    """
    if organisation and organisation in orgs:  # an account's, exactly
        return organisation
    typed = (organisation or "").strip()
    if not typed or typed in orgs:
        return typed or None
    fold = organisation_fold(typed)
    same = [org for org in orgs if organisation_fold(org) == fold]
    if len(same) > 1:
        if keep_ambiguous:
            return organisation
        named = ", ".join(repr(o) for o in same[:-1]) + f" and {same[-1]!r}"
        msg = (
            f"Organisation {typed!r} matches the organisations of {len(same)} "
            f"accounts, {named}, and none exactly: type one of them as it is spelt"
        )
        raise ConfigError(msg)
    return same[0] if same else organisation_spelling(typed)


def new_organisation_problem(orgs: Sequence[str], typed: str | None) -> str | None:
    """Why ``typed`` may not name an organisation that no account of ``orgs``
    holds, as a tasking's organisation or a plan action's lead, else None.

    The name (:func:`accounts_spelling`) becomes an organisation's, and under
    ``pseudonym_scope`` ``organisation`` its spelling derives a key: a name with
    an invisible character or letters of two scripts
    (:func:`avert.access.organisation_name_problem`) that matches no account
    was an organisation of its own that no account reads. A name one of
    ``orgs`` reads as (:func:`avert.access.organisation_fold`: "Соuncil" in
    Cyrillic is "Council") is that account's, and no problem; one that two
    accounts' spellings read as, and neither exactly, is (which is not known).

    >>> new_organisation_problem(("Council",), "\u0421ouncil") is None
    True
    >>> new_organisation_problem(("probation",), "\u0421ouncil")  # doctest: +ELLIPSIS
    "Organisation 'Сouncil' mixes letters of the CYRILLIC and LATIN scripts ..."
    """
    try:
        spelt = accounts_spelling(orgs, typed)
    except ConfigError as two:  # two stored spellings, neither typed exactly
        return str(two)
    if spelt is None or spelt in orgs:
        return None
    problem = organisation_name_problem(typed)
    if problem is None:
        return None
    held = ", ".join(repr(o) for o in orgs) or "none yet"
    return (
        f"Organisation {spelt!r} {problem}: it reads as a name it is not, and "
        "would be an organisation of its own, with its own pseudonym key. Type it "
        f"in one script, without invisible characters (the accounts' "
        f"organisations: {held})."
    )


def with_accounts_spelling(
    store: Store, frame: pl.DataFrame, column: str = "organisation"
) -> pl.DataFrame:
    """``frame`` with each organisation name in ``column`` as the accounts spell
    it now (:func:`accounts_spelling`, the rule a new tasking's name is saved by).

    A tasking is saved under the spelling of the accounts that exist when it is
    made: one given to "Leeds City Council" before the council had an account was
    never seen by the account made later of "leeds city council", on the meeting,
    *Today* or the API, nor could it record its result. Read through this, it is
    the account's; a name that is another organisation's ("Council" beside "Leeds
    City Council") is not matched, nor is one typed exactly as another account's.
    One look at the accounts, and one per distinct name (not per row).
    """
    if column not in frame.columns or frame.height == 0:
        return frame
    orgs = account_orgs(store)
    names = frame.get_column(column).drop_nulls().unique().to_list()
    changed = {
        n: s
        for n in names
        if (s := accounts_spelling(orgs, n, keep_ambiguous=True)) != n
    }
    if not changed:
        return frame
    return frame.with_columns(pl.col(column).replace(changed))
