"""Violence definition profiles and harm weights, loaded from TOML into frozen dataclasses.

A *profile* (``config/defaults/violence.toml`` for ``avb-2010``, ``violence_who.toml``
for ``who-broad``, or any file a deployment names with ``--definition FILE``) states
which recorded offences are violence: rules of Home Office offence codes with optional
conditions, grouped into categories with a precedence, plus the extensions of the MPS
Anti-Violence Board report (2010, paragraph 7: repeat victim, weapon, group offending)
and its ASB bridge (paragraph 8).

The *harm table* (``config/defaults/harm.toml``) gives every Home Office code of the
2017/18 police recorded crime tables a Cambridge Crime Harm Index weight (Sherman,
Neyroud & Neyroud 2016), its source and, where avert derived it, the reasoning. It also
holds the national count of each code, from which the expected weight of a data.police.uk
category under the national offence mix is computed.

Every problem in a file raises :class:`~avert.errors.ConfigError` naming the file and
the key, e.g. ``violence.toml: rules[3].offence_codes: unknown offence code '8X'``.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from stat import S_ISREG
from types import MappingProxyType
from typing import Any, Final, Literal

from avert.config._toml import (
    Constraint,
    build,
    check,
    fail,
    option,
    packaged_path,
    read_file,
)
from avert.errors import ConfigError
from avert.schema import HATE_STRANDS, INJURY_LEVELS, ROLES, WEAPONS

__all__ = [
    "PROFILES",
    "AsbBridge",
    "Category",
    "Condition",
    "ExpectedHarm",
    "GroupExtension",
    "HarmCode",
    "HarmTable",
    "PoliceUkCategory",
    "Profile",
    "RepeatVictimExtension",
    "Rule",
    "WeaponExtension",
    "available_profiles",
    "code_key",
    "content_sha256",
    "harm_path",
    "load_harm",
    "load_profile",
    "normalise_code",
    "profile_id",
    "profile_path",
]

#: Built-in profiles: id -> file name in ``avert/config/defaults``.
PROFILES: Final[Mapping[str, str]] = MappingProxyType(
    {"avb-2010": "violence.toml", "who-broad": "violence_who.toml"}
)
_HARM_FILE: Final = "harm.toml"
ANY_CODE: Final = "*"

ConditionKind = Literal["weapon_in", "injury_in", "domestic", "hate_strand_in", "flag"]
_CONDITION_VALUES: Final[Mapping[str, tuple[str, ...]]] = {
    "weapon_in": WEAPONS,
    "injury_in": INJURY_LEVELS,
    "hate_strand_in": HATE_STRANDS,
}
PoliceUkStatus = Literal["in", "out", "possible"]
_ANY: Final = Constraint()
_NON_EMPTY: Final = Constraint(non_empty=True)


# --- dataclasses ---------------------------------------------------------------------
@dataclass(frozen=True)
class Condition:
    """One condition on a record: ``kind`` over ``values`` (see violence.toml)."""

    kind: ConditionKind
    values: tuple[str, ...] = ()

    def describe(self) -> str:
        """Human-readable form, e.g. ``weapon in knife, firearm``."""
        if self.kind == "domestic":
            return "domestic abuse flag"
        if self.kind == "flag":
            return f"incidents.{self.values[0]} is true"
        noun = {
            "weapon_in": "weapon",
            "injury_in": "injury",
            "hate_strand_in": "hate strand",
        }
        return f"{noun[self.kind]} in {', '.join(self.values)}"


def _codes_list(where: str, key: str, value: Any) -> tuple[str, ...]:
    codes: tuple[str, ...] = check(where, key, value, tuple[str, ...], _NON_EMPTY)
    if ANY_CODE in codes and len(codes) > 1:
        raise fail(where, key, "'*' must stand alone")
    return codes


def _conditions(where: str, key: str, value: Any) -> tuple[Condition, ...]:
    if not isinstance(value, list):
        raise fail(where, key, "must be a list of condition tables")
    return tuple(
        _parse_condition(item, where, f"{key}[{j}]") for j, item in enumerate(value)
    )


@dataclass(frozen=True, kw_only=True)
class Rule:
    """A rule: offence codes (``None`` = any record) and any-of conditions."""

    id: str = option()
    category: str = option()
    clause: str = option("")
    offence_codes: tuple[str, ...] | None = option(parse=_codes_list)
    require_any: tuple[Condition, ...] = option((), parse=_conditions)

    @property
    def code_only(self) -> bool:
        """True when the rule decides on the offence code alone."""
        return self.offence_codes is not None and not self.require_any


@dataclass(frozen=True)
class Category:
    """A category of the definition (core or extension).

    ``short``: the name a page shows where the title is long ("Violence with a
    weapon" for "Violence-related offence involving a weapon"); empty: the title.
    """

    id: str
    title: str = option()
    seed: str = option("")
    short: str = option("")

    @property
    def name(self) -> str:
        """How a page names the category: its short name, else its title."""
        return self.short or self.title


@dataclass(frozen=True)
class WeaponExtension:
    """Violence-related offence involving a weapon (seed paragraph 7)."""

    enabled: bool = option(False)
    id: str = option("ext.weapon")
    category: str = option("violence_weapon")
    weapons: tuple[str, ...] = option(("knife", "firearm", "other"), choices=WEAPONS)
    implied_by_codes: tuple[str, ...] = option(())


@dataclass(frozen=True)
class GroupExtension:
    """Violence-related offence with group offending (>= ``min_suspects``)."""

    enabled: bool = option(False)
    id: str = option("ext.group_offending")
    category: str = option("violence_group")
    min_suspects: int = option(3, minimum=2)
    roles: tuple[str, ...] = option(("suspect", "offender"), choices=ROLES)


@dataclass(frozen=True)
class RepeatVictimExtension:
    """Violence-related offence whose victim suffered another within ``window_days``."""

    enabled: bool = option(False)
    id: str = option("ext.repeat_victim")
    category: str = option("violence_repeat_victim")
    window_days: int = option(365, minimum=1)
    direction: Literal["both", "prior"] = option("both")


@dataclass(frozen=True)
class AsbBridge:
    """ASB that escalates: repeat reports by a caller or at a place (seed paragraph 8)."""

    enabled: bool = option(False)
    window_days: int = option(183, minimum=1)
    min_reports: int = option(3, minimum=1)
    min_reports_vulnerable: int = option(2, minimum=1)
    place_cell_m: float = option(10.0, above=0)


@dataclass(frozen=True)
class PoliceUkCategory:
    """How a data.police.uk category resolves under a profile (no offence code known).

    ``status`` is ``in`` / ``out`` when every code published under the category is in /
    out on its code alone, else ``possible``; ``in_share`` is the share of the
    category's national 2017/18 offences whose code is in. A ``possible`` category
    counts as in the definition when ``in_share`` reaches the profile's
    ``policeuk_possible_min_share``.
    """

    name: str
    status: PoliceUkStatus
    category: str | None
    rule_ids: tuple[str, ...]
    in_share: float
    in_definition: bool = False


@dataclass(frozen=True, kw_only=True)
class HarmCode:
    """The harm weight of one Home Office offence code."""

    code: str
    description: str = option()
    offence_group: str = option("")
    offence_subgroup: str = option("")
    policeuk_category: str = option()
    days: float = option(minimum=0)
    derived: bool = option()
    source: str = option()
    reason: str = option("")
    national_count: int = option(0, minimum=0)
    aliases: tuple[str, ...] = option(())
    policeuk_published: bool = option(True)


@dataclass(frozen=True)
class ExpectedHarm:
    """Expected CCHI weight of a police.uk category under the national offence mix."""

    category: str
    days: float
    n_offences: int
    source: str


@dataclass(frozen=True)
class HarmTable:
    """CCHI weights per code, expected weights per police.uk category, and the method."""

    path: str
    codes: Mapping[str, HarmCode]
    expected: Mapping[str, ExpectedHarm]
    unweighted: Mapping[str, str]
    method: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    source_file: str = ""
    source_sha256: str = ""

    @property
    def packaged(self) -> bool:
        """True for avert's packaged ``harm.toml``."""
        return Path(self.path).resolve() == _default_path(_HARM_FILE).resolve()

    def describe(self) -> str:
        """Which table this is, in one line: packaged, or imported from which file.

        E.g. ``packaged avert table (harm.toml): CCHI weights derived from sentencing
        guidelines`` or ``harm_cchi.toml, imported from CCHI 2026.xlsx (sha256 3f2a...)``.
        """
        name = Path(self.path).name
        head = f"packaged avert table ({name})" if self.packaged else str(self.path)
        if self.title:
            head += f": {self.title}"
        if self.source_file:
            head += f"; imported from {self.source_file} (sha256 {self.source_sha256})"
        return head

    @property
    def code_lookup(self) -> dict[str, str]:
        """:func:`code_key` of each code and alias -> canonical code."""
        out: dict[str, str] = {}
        for code, entry in self.codes.items():
            out[code_key(code)] = code
            for alias in entry.aliases:
                out[code_key(alias)] = code
        return out


@dataclass(frozen=True)
class Profile:
    """A violence definition profile, validated and resolved against a harm table."""

    id: str
    title: str
    source: str
    description: str
    path: str
    precedence: tuple[str, ...]
    categories: Mapping[str, Category]
    rules: tuple[Rule, ...]
    violence_related_codes: tuple[str, ...]
    weapon: WeaponExtension
    group_offending: GroupExtension
    repeat_victim: RepeatVictimExtension
    asb_bridge: AsbBridge
    policeuk_possible_min_share: float
    policeuk: Mapping[str, PoliceUkCategory]
    code_lookup: Mapping[str, str]

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (:class:`KeyError` if none)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def codes_of(self, category: str, *, code_only: bool = False) -> tuple[str, ...]:
        """Codes named by the rules of ``category`` (only code-only rules if asked)."""
        codes = {
            c
            for r in self.rules
            if r.category == category
            and r.offence_codes
            and (r.code_only or not code_only)
            for c in r.offence_codes
        }
        codes.discard(ANY_CODE)
        return tuple(sorted(codes, key=_code_sort_key))


# --- helpers -------------------------------------------------------------------------
def _code_sort_key(code: str) -> tuple[int, str]:
    digits = ""
    for ch in code:
        if ch.isdigit():
            digits += ch
        else:
            break
    return (int(digits) if digits else 10_000, code)


#: Spellings of one Home Office code that :func:`code_key` makes one key: (pattern,
#: replacement for Python's ``re``, the same for Polars), steps in order;
#: ``avert.classify._frame`` runs them over frames.
CODE_KEY_STEPS: Final[tuple[tuple[str, str, str], ...]] = (
    (r"\s*/\s*", "/", "/"),  # "8 / 1" -> "8/1"
    # "105 A" -> "105A" ("FFA UK" keeps its space)
    (r"(\d)\s+([A-Z])", r"\1\2", "${1}${2}"),
    # "08N" -> "8N", "008/01" -> "8/1"; digits after a point are kept ("4.10")
    (r"(^|[^0-9.])0+(\d)", r"\1\2", "${1}${2}"),
)


def code_key(code: str) -> str:
    """The key an offence code is looked up by: spelling differences removed.

    Stripped and upper-cased; a space before a letter suffix or around ``/`` and
    the leading zeros of each number are dropped (no Home Office code has one), so
    that ``" 08n "``, ``"8N"`` and ``"8 N"`` are one code, as are ``"008/01"`` and
    ``"8/1"``. Digits after a decimal point are kept (``4.10`` is not ``4.1``).

    >>> [code_key(c) for c in [" 08n ", "105 a", "008/01", "4.10", "FFA UK"]]
    ['8N', '105A', '8/1', '4.10', 'FFA UK']
    """
    key = code.strip().upper()
    for pattern, replacement, _ in CODE_KEY_STEPS:
        key = re.sub(pattern, replacement, key)
    return key


def normalise_code(code: str, lookup: Mapping[str, str]) -> str:
    """Canonical form of an offence code: its :func:`code_key` with aliases resolved."""
    key = code_key(code)
    return lookup.get(key, key)


def _table(
    where: str, key: str, value: Any, *, required: bool = True
) -> Mapping[str, Any]:
    """The table at ``key`` (empty when left out and not ``required``)."""
    if value is None:
        if required:
            raise fail(where, key, "missing table")
        return {}
    if not isinstance(value, Mapping):
        raise fail(where, key, f"must be a table, got {type(value).__name__}")
    return value


def _only(where: str, key: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        name = f"{key}.{unknown[0]}" if key else unknown[0]
        raise fail(where, name, f"unknown key; allowed keys are {sorted(allowed)}")


def _text(where: str, key: str, value: Any) -> str:
    text: str = check(where, key, value, str, _ANY)
    return text


def _default_path(name: str) -> Path:
    return packaged_path(name)


def available_profiles() -> list[str]:
    """Ids of the built-in profiles (``avb-2010``, ``who-broad``)."""
    return list(PROFILES)


# --- harm ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _HarmHead:
    """The ``[table]`` of a harm file: where an imported table came from."""

    title: str = option("")
    source_file: str = option("")
    source_sha256: str = option("")
    imported: str = option("")
    note: str = option("")


def load_harm(path: str | Path | None = None) -> HarmTable:
    """Load and validate a harm table (default: the packaged ``harm.toml``).

    Parameters
    ----------
    path
        A harm TOML file; ``None`` for the packaged Cambridge Crime Harm Index table.

    Returns
    -------
    HarmTable
        Weights per canonical code, and the expected weight of every data.police.uk
        category under the national 2017/18 offence mix (codes with
        ``policeuk_published = false``, i.e. fraud, are left out of the mix).

    Raises
    ------
    ConfigError
        Naming the file and key of the first problem.

    Notes
    -----
    Expected weight of category :math:`k`:
    :math:`E[w \\mid k] = \\sum_{c \\in k} n_c w_c / \\sum_{c \\in k} n_c`, with
    :math:`n_c` the national count of code :math:`c`. It is an expectation over the
    national mix, never the exact harm of a record.

    References
    ----------
    Sherman, L., Neyroud, P. and Neyroud, E. (2016). The Cambridge Crime Harm Index:
    Measuring total harm from crime based on sentencing guidelines. Policing 10(3),
    171-183.
    """
    file_path = Path(path) if path is not None else _default_path(_HARM_FILE)
    data = read_file(file_path, "harm table")
    name = file_path.name
    _only(name, "", data, {"table", "method", "codes", "policeuk_unweighted"})
    head = build(_HarmHead, data.get("table", {}), name, "table")
    codes = _harm_codes(name, _table(name, "codes", data.get("codes")))
    raw_unweighted = _table(
        name, "policeuk_unweighted", data.get("policeuk_unweighted"), required=False
    )
    unweighted = {
        k.strip().lower(): _text(name, f"policeuk_unweighted.{k}", v)
        for k, v in raw_unweighted.items()
    }
    return HarmTable(
        path=str(file_path),
        codes=MappingProxyType(codes),
        expected=MappingProxyType(_expected(codes)),
        unweighted=MappingProxyType(unweighted),
        method=MappingProxyType(dict(data.get("method", {}))),
        title=head.title,
        source_file=head.source_file,
        source_sha256=head.source_sha256,
    )


def _harm_codes(where: str, table: Mapping[str, Any]) -> dict[str, HarmCode]:
    """Every ``[codes.X]`` table, checked: reasons, sources and unique aliases."""
    codes: dict[str, HarmCode] = {}
    seen_alias: dict[str, str] = {}
    for code, raw in table.items():
        key = f"codes.{code}"
        entry = build(HarmCode, _table(where, key, raw), where, key, code=code)
        if entry.derived and not entry.reason.strip():
            raise fail(
                where,
                f"{key}.reason",
                "a derived weight needs the reasoning in 'reason'",
            )
        if not entry.source.strip():
            raise fail(where, f"{key}.source", "every weight needs a source")
        for name in (code, *entry.aliases):
            if code_key(name) in seen_alias:
                used = seen_alias[code_key(name)]
                raise fail(
                    where, f"{key}.aliases", f"{name!r} already used by {used!r}"
                )
            seen_alias[code_key(name)] = code
        codes[code] = entry
    return codes


def _expected(codes: Mapping[str, HarmCode]) -> dict[str, ExpectedHarm]:
    """Expected weight of each police.uk category under the national offence mix."""
    expected: dict[str, ExpectedHarm] = {}
    groups: dict[str, list[HarmCode]] = {}
    for entry in codes.values():
        if entry.policeuk_published:
            groups.setdefault(entry.policeuk_category.strip().lower(), []).append(entry)
    for cat, entries in sorted(groups.items()):
        n = sum(e.national_count for e in entries)
        if n == 0:
            days = sum(e.days for e in entries) / len(entries)
            how = "unweighted mean of its codes (no national counts)"
        else:
            days = sum(e.days * e.national_count for e in entries) / n
            how = f"mean over the national 2017/18 offence mix of its {len(entries)} codes ({n:,} offences)"
        expected[cat] = ExpectedHarm(
            category=cat,
            days=days,
            n_offences=n,
            source=f"expected CCHI weight of police.uk category '{cat}': {how}; an expectation, not the harm of this record",
        )
    return expected


# --- profiles ------------------------------------------------------------------------
def _resolve_profile_path(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    if text in PROFILES:
        return _default_path(PROFILES[text])
    path = Path(text)
    if path.suffix.lower() != ".toml" and not path.exists():
        msg = (
            f"Unknown definition profile {text!r}: give one of {available_profiles()} "
            "or a path to a violence TOML file"
        )
        raise ConfigError(msg)
    return path


def profile_id(name_or_path: str | Path) -> str:
    """The id a profile's classifications are stored under (``avert classify``).

    A name is its own id (a built-in profile, or the id of a profile classified
    earlier from a file); a path to a violence TOML file gives the file's
    ``[profile] id``, so that ``AVERT_DEFINITION=/etc/avert/my.toml`` reads the
    classifications that classifying under that file wrote.
    """
    text = str(name_or_path)
    path = Path(text)
    if text in PROFILES or path.suffix.lower() != ".toml":
        return text
    version = _file_version(path)
    if version is None:  # not a regular file: as Path.is_file() did
        return text
    return _file_profile_id(text, version)


def harm_path(path: str | Path | None = None) -> Path:
    """The harm table file :func:`load_harm` reads for ``path`` (None or empty: the
    packaged ``harm.toml``)."""
    return Path(path) if path else _default_path(_HARM_FILE)


def profile_path(name_or_path: str | Path) -> Path:
    """The violence TOML file :func:`load_profile` reads for a built-in id or a path."""
    return _resolve_profile_path(name_or_path)


def content_sha256(path: str | Path) -> str | None:
    """SHA-256 of a TOML file's canonical content, or None when it cannot be read.

    The content is the file as parsed (:mod:`tomllib`), written as JSON with sorted
    keys: an edit of whitespace, comments or the order of keys gives the same
    digest, an edit of any value another. ``avert classify`` stores the digests of
    the definition and the harm table it classified under
    (:mod:`avert.workflows.staleness`); the analyses compare them with the files in
    force. Read once per version of the file (:func:`_file_version`).
    """
    file_path = Path(path)
    version = _file_version(file_path)
    if version is None:
        return None
    return _content_sha256_of_version(str(file_path), version)


@lru_cache(maxsize=32)
def _content_sha256_of_version(path: str, version: tuple[int, ...]) -> str | None:
    del version  # the cache key: a new version of the file is read again
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    canonical = json.dumps(
        _without_display_names(data),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _without_display_names(data: dict[str, Any]) -> dict[str, Any]:
    """A parsed definition without its categories' ``short`` names: what a page
    shows, no part of what is classified, so adding or editing one leaves the
    stored classifications current (the built-in definition's short names, added
    after stores had classified under it, made none of them stale)."""
    categories = data.get("categories")
    if not isinstance(categories, dict):
        return data
    bare = {
        cid: {k: v for k, v in c.items() if k != "short"} if isinstance(c, dict) else c
        for cid, c in categories.items()
    }
    return {**data, "categories": bare}


def _file_version(path: Path) -> tuple[int, ...] | None:
    """A version of the regular file ``path``: its device, inode, size, modification
    and change times (a change time cannot be set back), or None when ``path`` is no
    regular file or cannot be looked at (a name too long, a loop of links, a folder
    the user may not enter: reading it then raises the :class:`ConfigError` that
    names the file). Pages and briefings ask for a profile many times: a file is read
    once per version of it, so an edit, even between two calls of one run, is read
    again."""
    try:
        stat = path.stat()
    except OSError:
        return None
    if not S_ISREG(stat.st_mode):
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


@lru_cache(maxsize=16)
def _file_profile_id(path: str, version: tuple[int, ...]) -> str:
    """The ``[profile] id`` of the violence TOML file ``path`` as it was at
    ``version`` (:func:`profile_id`); a file that fails to read is not cached."""
    del version  # the cache key only
    data = read_file(Path(path), "definition")
    name = Path(path).name
    head = _table(name, "profile", data.get("profile"))
    return _own_id(Path(path), build(_ProfileHead, head, name, "profile").id)


def _own_id(path: Path, pid: str) -> str:
    """``pid``, the ``[profile] id`` of the file ``path``, unless it is the id of a
    built-in profile and ``path`` is not that profile's packaged file.

    Classifications are stored under the profile id, and ``avert ingest`` and the
    analyses take a built-in id for the packaged file: an edited copy that kept
    ``avb-2010`` overwrote the built-in definition's classifications, was reported as
    the AVB 2010 definition, and was silently undone by the next load. A copy
    byte for byte the same as the packaged file (a deployment's ``AVERT_DEFINITION``
    naming its own copy) classifies as the built-in one does: it is accepted, until
    either file changes.
    """
    if pid in PROFILES:
        packaged = _default_path(PROFILES[pid])
        if path.resolve() != packaged.resolve() and not _same_bytes(path, packaged):
            raise fail(
                path.name,
                "profile.id",
                f"{pid!r} is the id of the built-in profile; give your definition an "
                f"id of its own (e.g. '{pid}-local'), so that its classifications "
                "are kept apart from the built-in one's",
            )
    return pid


def _same_bytes(path: Path, other: Path) -> bool:
    """Whether the files ``path`` and ``other`` hold the same bytes (False when
    either cannot be read)."""
    try:
        return path.read_bytes() == other.read_bytes()
    except OSError:
        return False


def _parse_condition(item: object, where: str, key: str) -> Condition:
    if not isinstance(item, dict) or len(item) != 1:
        raise fail(
            where, key, f"each condition must be a table with one key, got {item!r}"
        )
    ((kind, value),) = item.items()
    if kind == "domestic":
        if value is not True:
            raise fail(where, key, "domestic must be true")
        return Condition("domestic")
    if kind == "flag":
        if not isinstance(value, str) or not value.isidentifier():
            raise fail(where, key, f"flag must name a column, got {value!r}")
        return Condition("flag", (value,))
    if kind in _CONDITION_VALUES:
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) for v in value)
        ):
            raise fail(where, key, f"{kind} must be a non-empty list of strings")
        bad = [v for v in value if v not in _CONDITION_VALUES[kind]]
        if bad:
            raise fail(
                where,
                key,
                f"{kind} values {bad} not in {list(_CONDITION_VALUES[kind])}",
            )
        return Condition(kind, tuple(value))  # type: ignore[arg-type, unused-ignore]
    raise fail(
        where,
        key,
        f"unknown condition {kind!r}; use weapon_in, injury_in, domestic, hate_strand_in or flag",
    )


def _check_codes(
    codes: tuple[str, ...], where: str, key: str, harm: HarmTable
) -> tuple[str, ...]:
    lookup = harm.code_lookup
    out: list[str] = []
    for code in codes:
        if code == ANY_CODE:
            out.append(code)
            continue
        canon = lookup.get(code_key(code))
        if canon is None:
            raise fail(
                where,
                key,
                f"unknown offence code {code!r} (not in {Path(harm.path).name})",
            )
        out.append(canon)
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True, kw_only=True)
class _ProfileHead:
    """The ``[profile]`` table of a violence definition file."""

    id: str = option()
    title: str = option()
    source: str = option()
    description: str = option("")
    precedence: tuple[str, ...] = option()
    policeuk_possible_min_share: float = option(0.5, minimum=0.0, maximum=1.0)


@dataclass(frozen=True)
class _Extensions:
    """The ``[extensions]`` table: violence-related codes and the three extensions."""

    violence_related_codes: tuple[str, ...] = option(())
    weapon: WeaponExtension = option(factory=WeaponExtension)
    group_offending: GroupExtension = option(factory=GroupExtension)
    repeat_victim: RepeatVictimExtension = option(factory=RepeatVictimExtension)


def load_profile(
    name_or_path: str | Path = "avb-2010", *, harm: HarmTable | None = None
) -> Profile:
    """Load and validate a violence definition profile.

    Parameters
    ----------
    name_or_path
        A built-in profile id (see :func:`available_profiles`) or a TOML file path.
    harm
        The harm table whose code catalogue validates the codes and resolves
        data.police.uk categories; default the packaged one.

    Returns
    -------
    Profile

    Raises
    ------
    ConfigError
        Naming the file and key of the first problem (unknown key, unknown offence
        code, duplicate rule id, a category missing from the precedence, ...).

    Notes
    -----
    With the packaged harm table, a profile is read and checked once per version
    of its file and of the harm table's (:func:`_file_version`): one board's
    objective measures asked for it 21 times, about 0.09 s each. A
    :class:`Profile` is frozen, its tables read-only mappings: one can be shared.
    """
    path = _resolve_profile_path(name_or_path)
    if harm is None:
        versions = (_file_version(path), _file_version(_default_path(_HARM_FILE)))
        if versions[0] is not None and versions[1] is not None:
            return _profile_of_version(str(path), versions[0], versions[1])
    return _read_profile(path, harm if harm is not None else load_harm())


@lru_cache(maxsize=16)
def _profile_of_version(
    path: str, version: tuple[int, ...], harm_version: tuple[int, ...]
) -> Profile:
    """The profile of file ``path`` at ``version`` under the packaged harm table at
    ``harm_version`` (the versions are the cache key only); an error is not cached."""
    del version, harm_version
    return _read_profile(Path(path), load_harm())


def _read_profile(path: Path, harm: HarmTable) -> Profile:
    """Read the violence TOML file ``path`` and check it against ``harm``."""
    data = read_file(path, "definition")
    name = path.name
    _only(
        name, "", data, {"profile", "categories", "rules", "extensions", "asb_bridge"}
    )
    head = build(
        _ProfileHead, _table(name, "profile", data.get("profile")), name, "profile"
    )
    categories = _categories(name, data.get("categories"), head.precedence)
    rules = _rules(name, data.get("rules", []), categories, harm)
    ext = _extensions(name, data.get("extensions"), categories, rules, harm)
    asb_raw = _table(name, "asb_bridge", data.get("asb_bridge"), required=False)
    profile = Profile(
        id=head.id,
        title=head.title,
        source=head.source,
        description=head.description,
        path=str(path),
        precedence=head.precedence,
        categories=MappingProxyType(categories),
        rules=rules,
        violence_related_codes=ext.violence_related_codes,
        weapon=ext.weapon,
        group_offending=ext.group_offending,
        repeat_victim=ext.repeat_victim,
        asb_bridge=build(AsbBridge, asb_raw, name, "asb_bridge"),
        policeuk_possible_min_share=head.policeuk_possible_min_share,
        policeuk=MappingProxyType({}),
        code_lookup=MappingProxyType(harm.code_lookup),
    )
    _own_id(path, head.id)
    return _with_policeuk(profile, harm)


def _categories(
    where: str, raw: Any, precedence: tuple[str, ...]
) -> dict[str, Category]:
    """The ``[categories]``, each named exactly once in ``profile.precedence``."""
    if len(set(precedence)) != len(precedence):
        raise fail(where, "profile.precedence", "lists a category twice")
    table = _table(where, "categories", raw)
    categories = {
        cid: build(
            Category,
            _table(where, f"categories.{cid}", value),
            where,
            f"categories.{cid}",
            id=cid,
        )
        for cid, value in table.items()
    }
    for cid in precedence:
        if cid not in categories:
            raise fail(
                where,
                "profile.precedence",
                f"category {cid!r} is not defined under [categories]",
            )
    for cid in categories:
        if cid not in precedence:
            raise fail(
                where,
                f"categories.{cid}",
                "category is missing from profile.precedence",
            )
    return categories


def _rules(
    where: str, raw: Any, categories: Mapping[str, Category], harm: HarmTable
) -> tuple[Rule, ...]:
    """The ``[[rules]]``: unique ids, known categories, codes of the harm table."""
    if not isinstance(raw, list):
        raise fail(where, "rules", "must be an array of tables [[rules]]")
    rules: list[Rule] = []
    ids: set[str] = set()
    for i, item in enumerate(raw):
        key = f"rules[{i}]"
        rule = build(Rule, _table(where, key, item), where, key)
        if rule.id in ids:
            raise fail(where, f"{key}.id", f"duplicate rule id {rule.id!r}")
        ids.add(rule.id)
        if rule.category not in categories:
            raise fail(where, f"{key}.category", f"unknown category {rule.category!r}")
        codes = _check_codes(
            rule.offence_codes or (), where, f"{key}.offence_codes", harm
        )
        rules.append(
            replace(rule, offence_codes=None if codes == (ANY_CODE,) else codes)
        )
    return tuple(rules)


def _extensions(
    where: str,
    raw: Any,
    categories: Mapping[str, Category],
    rules: tuple[Rule, ...],
    harm: HarmTable,
) -> _Extensions:
    """``[extensions]``: enabled ones need known categories and violence codes."""
    ext = build(
        _Extensions,
        _table(where, "extensions", raw, required=False),
        where,
        "extensions",
    )
    ids = {r.id for r in rules}
    for name in ("weapon", "group_offending", "repeat_victim"):
        one = getattr(ext, name)
        key = f"extensions.{name}"
        if one.id in ids:
            raise fail(where, f"{key}.id", f"duplicate rule id {one.id!r}")
        ids.add(one.id)
        if one.enabled and one.category not in categories:
            raise fail(where, f"{key}.category", f"unknown category {one.category!r}")
    enabled = (
        ext.weapon.enabled or ext.group_offending.enabled or ext.repeat_victim.enabled
    )
    if enabled and not ext.violence_related_codes:
        raise fail(
            where,
            "extensions.violence_related_codes",
            "an enabled extension needs this list",
        )
    return replace(
        ext,
        violence_related_codes=_check_codes(
            ext.violence_related_codes,
            where,
            "extensions.violence_related_codes",
            harm,
        ),
        weapon=replace(
            ext.weapon,
            implied_by_codes=_check_codes(
                ext.weapon.implied_by_codes,
                where,
                "extensions.weapon.implied_by_codes",
                harm,
            ),
        ),
    )


def code_only_rules(profile: Profile, code: str) -> list[str]:
    """Rule ids that put ``code`` in the definition on the code alone (no flags known).

    Rules with conditions, and the extensions that need flags or people, never match
    here; the weapon extension matches codes in its ``implied_by_codes``.
    """
    out = [
        r.id
        for r in profile.rules
        if r.code_only and r.offence_codes and code in r.offence_codes
    ]
    w = profile.weapon
    if (
        w.enabled
        and code in w.implied_by_codes
        and code in profile.violence_related_codes
    ):
        out.append(w.id)
    return out


def _category_of(profile: Profile, rule_ids: list[str]) -> str | None:
    cats = {profile.rule(r).category for r in rule_ids if not r.startswith("ext.")}
    for ext in (profile.weapon, profile.group_offending, profile.repeat_victim):
        if ext.id in rule_ids:
            cats.add(ext.category)
    for cid in profile.precedence:
        if cid in cats:
            return cid
    return None


def _with_policeuk(profile: Profile, harm: HarmTable) -> Profile:
    groups: dict[str, list[HarmCode]] = {}
    for entry in harm.codes.values():
        if entry.policeuk_published:
            groups.setdefault(entry.policeuk_category.strip().lower(), []).append(entry)
    out: dict[str, PoliceUkCategory] = {}
    for cat, entries in sorted(groups.items()):
        matched = {e.code: code_only_rules(profile, e.code) for e in entries}
        in_codes = [e for e in entries if matched[e.code]]
        n_all = sum(e.national_count for e in entries)
        n_in = sum(e.national_count for e in in_codes)
        status: PoliceUkStatus
        if not in_codes:
            status = "out"
        elif len(in_codes) == len(entries):
            status = "in"
        else:
            status = "possible"
        rule_ids = sorted({r for e in in_codes for r in matched[e.code]})
        share = (n_in / n_all) if n_all else (len(in_codes) / len(entries))
        cats = {_category_of(profile, matched[e.code]) for e in in_codes}
        category = cats.pop() if len(cats) == 1 else None
        out[cat] = PoliceUkCategory(
            name=cat,
            status=status,
            category=category,
            rule_ids=tuple(rule_ids),
            in_share=share,
            in_definition=status == "in"
            or (status == "possible" and share >= profile.policeuk_possible_min_share),
        )
    for cat in harm.unweighted:
        out.setdefault(cat, PoliceUkCategory(cat, "out", None, (), 0.0))
    return Profile(**{**profile.__dict__, "policeuk": MappingProxyType(out)})
