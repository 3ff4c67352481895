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

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

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
    "ProfileDiff",
    "RepeatVictimExtension",
    "Rule",
    "WeaponExtension",
    "available_profiles",
    "diff_profiles",
    "load_harm",
    "load_profile",
    "normalise_code",
    "render_docs",
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


@dataclass(frozen=True)
class Rule:
    """A rule: offence codes (``None`` = any record) and any-of conditions."""

    id: str
    category: str
    clause: str
    offence_codes: tuple[str, ...] | None
    require_any: tuple[Condition, ...] = ()

    @property
    def code_only(self) -> bool:
        """True when the rule decides on the offence code alone."""
        return self.offence_codes is not None and not self.require_any


@dataclass(frozen=True)
class Category:
    """A category of the definition (core or extension)."""

    id: str
    title: str
    seed: str = ""


@dataclass(frozen=True)
class WeaponExtension:
    """Violence-related offence involving a weapon (seed paragraph 7)."""

    enabled: bool
    id: str = "ext.weapon"
    category: str = "violence_weapon"
    weapons: tuple[str, ...] = ("knife", "firearm", "other")
    implied_by_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupExtension:
    """Violence-related offence with group offending (>= ``min_suspects``)."""

    enabled: bool
    id: str = "ext.group_offending"
    category: str = "violence_group"
    min_suspects: int = 3
    roles: tuple[str, ...] = ("suspect", "offender")


@dataclass(frozen=True)
class RepeatVictimExtension:
    """Violence-related offence whose victim suffered another within ``window_days``."""

    enabled: bool
    id: str = "ext.repeat_victim"
    category: str = "violence_repeat_victim"
    window_days: int = 365
    direction: Literal["both", "prior"] = "both"


@dataclass(frozen=True)
class AsbBridge:
    """ASB that escalates: repeat reports by a caller or at a place (seed paragraph 8)."""

    enabled: bool
    window_days: int = 183
    min_reports: int = 3
    min_reports_vulnerable: int = 2
    place_cell_m: float = 10.0


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


@dataclass(frozen=True)
class HarmCode:
    """The harm weight of one Home Office offence code."""

    code: str
    description: str
    offence_group: str
    offence_subgroup: str
    policeuk_category: str
    days: float
    derived: bool
    source: str
    reason: str = ""
    national_count: int = 0
    aliases: tuple[str, ...] = ()
    policeuk_published: bool = True


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
        """Upper-cased code or alias -> canonical code."""
        out: dict[str, str] = {}
        for code, entry in self.codes.items():
            out[code.upper()] = code
            for alias in entry.aliases:
                out[alias.upper()] = code
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


def normalise_code(code: str, lookup: Mapping[str, str]) -> str:
    """Canonical form of an offence code: stripped, upper-cased, aliases resolved."""
    key = code.strip().upper()
    return lookup.get(key, key)


class _Reader:
    """Typed access to a parsed TOML table with ConfigError messages naming file and key."""

    def __init__(self, data: Mapping[str, Any], file: str, prefix: str = "") -> None:
        self.data = data
        self.file = file
        self.prefix = prefix

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.file}: {self.prefix}{key}: {message}")

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            raise self.fail(
                unknown[0], f"unknown key; allowed keys are {sorted(allowed)}"
            )

    def sub(self, key: str, *, required: bool = True) -> _Reader:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "missing table")
            value = {}
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table, got {type(value).__name__}")
        return _Reader(value, self.file, f"{self.prefix}{key}.")

    def str_(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            raise self.fail(key, "missing")
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, got {value!r}")
        return value

    def bool_(self, key: str, *, default: bool | None = None) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {value!r}")
        return value

    def int_(self, key: str, default: int, *, minimum: int = 0) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(key, f"must be an integer >= {minimum}, got {value!r}")
        return value

    def float_(self, key: str, default: float, *, positive: bool = True) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, got {value!r}")
        if positive and value <= 0:
            raise self.fail(key, f"must be > 0, got {value!r}")
        return float(value)

    def strs(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self.data.get(key, default)
        if value is None:
            raise self.fail(key, "missing")
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, str) for v in value
        ):
            raise self.fail(key, f"must be a list of strings, got {value!r}")
        return tuple(value)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as err:
        msg = f"{path}: no such definition file"
        raise ConfigError(msg) from err
    except tomllib.TOMLDecodeError as err:
        msg = f"{path}: not valid TOML: {err}"
        raise ConfigError(msg) from err


def _default_path(name: str) -> Path:
    return Path(str(resources.files("avert.config") / "defaults" / name))


def available_profiles() -> list[str]:
    """Ids of the built-in profiles (``avb-2010``, ``who-broad``)."""
    return list(PROFILES)


# --- harm ----------------------------------------------------------------------------
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
    data = _read_toml(file_path)
    name = file_path.name
    top = _Reader(data, name)
    top.check_keys({"table", "method", "codes", "policeuk_unweighted"})
    table_r = top.sub("table", required=False)
    table_r.check_keys({"title", "source_file", "source_sha256", "imported", "note"})
    codes_r = top.sub("codes")
    codes: dict[str, HarmCode] = {}
    seen_alias: dict[str, str] = {}
    allowed = {
        "description",
        "offence_group",
        "offence_subgroup",
        "policeuk_category",
        "days",
        "derived",
        "source",
        "reason",
        "national_count",
        "aliases",
        "policeuk_published",
    }
    for code in codes_r.data:
        r = codes_r.sub(code)
        r.check_keys(allowed)
        days = r.float_("days", -1.0, positive=False)
        if days < 0:
            raise r.fail("days", f"must be >= 0, got {days!r}")
        derived = r.bool_("derived")
        reason = r.str_("reason", "")
        if derived and not reason.strip():
            raise r.fail("reason", "a derived weight needs the reasoning in 'reason'")
        source = r.str_("source")
        if not source.strip():
            raise r.fail("source", "every weight needs a source")
        aliases = r.strs("aliases", ())
        for key in (code, *aliases):
            if key.upper() in seen_alias:
                raise r.fail(
                    "aliases", f"{key!r} already used by {seen_alias[key.upper()]!r}"
                )
            seen_alias[key.upper()] = code
        codes[code] = HarmCode(
            code=code,
            description=r.str_("description"),
            offence_group=r.str_("offence_group", ""),
            offence_subgroup=r.str_("offence_subgroup", ""),
            policeuk_category=r.str_("policeuk_category"),
            days=days,
            derived=derived,
            source=source,
            reason=reason,
            national_count=r.int_("national_count", 0),
            aliases=aliases,
            policeuk_published=r.bool_("policeuk_published", default=True),
        )
    unweighted_r = top.sub("policeuk_unweighted", required=False)
    unweighted = {k.strip().lower(): unweighted_r.str_(k) for k in unweighted_r.data}
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
    method = dict(top.data.get("method", {}))
    return HarmTable(
        path=str(file_path),
        codes=MappingProxyType(codes),
        expected=MappingProxyType(expected),
        unweighted=MappingProxyType(unweighted),
        method=MappingProxyType(method),
        title=table_r.str_("title", ""),
        source_file=table_r.str_("source_file", ""),
        source_sha256=table_r.str_("source_sha256", ""),
    )


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


def _parse_condition(item: object, r: _Reader, key: str) -> Condition:
    if not isinstance(item, dict) or len(item) != 1:
        raise r.fail(key, f"each condition must be a table with one key, got {item!r}")
    ((kind, value),) = item.items()
    if kind == "domestic":
        if value is not True:
            raise r.fail(key, "domestic must be true")
        return Condition("domestic")
    if kind == "flag":
        if not isinstance(value, str) or not value.isidentifier():
            raise r.fail(key, f"flag must name a column, got {value!r}")
        return Condition("flag", (value,))
    if kind in _CONDITION_VALUES:
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) for v in value)
        ):
            raise r.fail(key, f"{kind} must be a non-empty list of strings")
        bad = [v for v in value if v not in _CONDITION_VALUES[kind]]
        if bad:
            raise r.fail(
                key, f"{kind} values {bad} not in {list(_CONDITION_VALUES[kind])}"
            )
        return Condition(kind, tuple(value))  # type: ignore[arg-type]
    raise r.fail(
        key,
        f"unknown condition {kind!r}; use weapon_in, injury_in, domestic, hate_strand_in or flag",
    )


def _check_codes(
    codes: tuple[str, ...], r: _Reader, key: str, harm: HarmTable
) -> tuple[str, ...]:
    lookup = harm.code_lookup
    out: list[str] = []
    for code in codes:
        if code == ANY_CODE:
            out.append(code)
            continue
        canon = lookup.get(code.strip().upper())
        if canon is None:
            raise r.fail(
                key, f"unknown offence code {code!r} (not in {Path(harm.path).name})"
            )
        out.append(canon)
    return tuple(dict.fromkeys(out))


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
    """
    harm = harm if harm is not None else load_harm()
    path = _resolve_profile_path(name_or_path)
    data = _read_toml(path)
    name = path.name
    top = _Reader(data, name)
    top.check_keys({"profile", "categories", "rules", "extensions", "asb_bridge"})
    pr = top.sub("profile")
    pr.check_keys(
        {
            "id",
            "title",
            "source",
            "description",
            "precedence",
            "policeuk_possible_min_share",
        }
    )
    precedence = pr.strs("precedence")
    if len(set(precedence)) != len(precedence):
        raise pr.fail("precedence", "lists a category twice")
    cats_r = top.sub("categories")
    categories: dict[str, Category] = {}
    for cid in cats_r.data:
        cr = cats_r.sub(cid)
        cr.check_keys({"title", "seed"})
        categories[cid] = Category(cid, cr.str_("title"), cr.str_("seed", ""))
    for cid in precedence:
        if cid not in categories:
            raise pr.fail(
                "precedence", f"category {cid!r} is not defined under [categories]"
            )
    for cid in categories:
        if cid not in precedence:
            raise cats_r.fail(cid, "category is missing from profile.precedence")
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        raise top.fail("rules", "must be an array of tables [[rules]]")
    rules: list[Rule] = []
    ids: set[str] = set()
    for i, raw in enumerate(raw_rules):
        if not isinstance(raw, dict):
            raise top.fail(f"rules[{i}]", "must be a table")
        rr = _Reader(raw, name, f"rules[{i}].")
        rr.check_keys({"id", "category", "clause", "offence_codes", "require_any"})
        rid = rr.str_("id")
        if rid in ids:
            raise rr.fail("id", f"duplicate rule id {rid!r}")
        ids.add(rid)
        cat = rr.str_("category")
        if cat not in categories:
            raise rr.fail("category", f"unknown category {cat!r}")
        codes = _check_codes(rr.strs("offence_codes"), rr, "offence_codes", harm)
        if not codes:
            raise rr.fail("offence_codes", "must not be empty")
        if ANY_CODE in codes and len(codes) > 1:
            raise rr.fail("offence_codes", "'*' must stand alone")
        req = raw.get("require_any", [])
        if not isinstance(req, list):
            raise rr.fail("require_any", "must be a list of condition tables")
        conditions = tuple(
            _parse_condition(item, rr, f"require_any[{j}]")
            for j, item in enumerate(req)
        )
        rules.append(
            Rule(
                id=rid,
                category=cat,
                clause=rr.str_("clause", ""),
                offence_codes=None if codes == (ANY_CODE,) else codes,
                require_any=conditions,
            )
        )
    ext = top.sub("extensions", required=False)
    ext.check_keys(
        {"violence_related_codes", "weapon", "group_offending", "repeat_victim"}
    )
    vr_codes = _check_codes(
        ext.strs("violence_related_codes", ()), ext, "violence_related_codes", harm
    )

    def ext_cat(r: _Reader, default: str, *, enabled: bool) -> str:
        cid = r.str_("category", default)
        if enabled and cid not in categories:
            raise r.fail("category", f"unknown category {cid!r}")
        return cid

    def ext_id(r: _Reader, default: str) -> str:
        rid = r.str_("id", default)
        if rid in ids:
            raise r.fail("id", f"duplicate rule id {rid!r}")
        ids.add(rid)
        return rid

    wr = ext.sub("weapon", required=False)
    wr.check_keys({"enabled", "id", "category", "weapons", "implied_by_codes"})
    w_on = wr.bool_("enabled", default=False)
    weapons = wr.strs("weapons", ("knife", "firearm", "other"))
    if any(w not in WEAPONS for w in weapons):
        raise wr.fail("weapons", f"values must be in {list(WEAPONS)}")
    weapon = WeaponExtension(
        enabled=w_on,
        id=ext_id(wr, "ext.weapon"),
        category=ext_cat(wr, "violence_weapon", enabled=w_on),
        weapons=weapons,
        implied_by_codes=_check_codes(
            wr.strs("implied_by_codes", ()), wr, "implied_by_codes", harm
        ),
    )
    gr = ext.sub("group_offending", required=False)
    gr.check_keys({"enabled", "id", "category", "min_suspects", "roles"})
    g_on = gr.bool_("enabled", default=False)
    roles = gr.strs("roles", ("suspect", "offender"))
    if any(x not in ROLES for x in roles):
        raise gr.fail("roles", f"values must be in {list(ROLES)}")
    group = GroupExtension(
        enabled=g_on,
        id=ext_id(gr, "ext.group_offending"),
        category=ext_cat(gr, "violence_group", enabled=g_on),
        min_suspects=gr.int_("min_suspects", 3, minimum=2),
        roles=roles,
    )
    rvr = ext.sub("repeat_victim", required=False)
    rvr.check_keys({"enabled", "id", "category", "window_days", "direction"})
    rv_on = rvr.bool_("enabled", default=False)
    direction = rvr.str_("direction", "both")
    if direction not in ("both", "prior"):
        raise rvr.fail("direction", f"must be 'both' or 'prior', got {direction!r}")
    repeat = RepeatVictimExtension(
        enabled=rv_on,
        id=ext_id(rvr, "ext.repeat_victim"),
        category=ext_cat(rvr, "violence_repeat_victim", enabled=rv_on),
        window_days=rvr.int_("window_days", 365, minimum=1),
        direction="both" if direction == "both" else "prior",
    )
    if (w_on or g_on or rv_on) and not vr_codes:
        raise ext.fail("violence_related_codes", "an enabled extension needs this list")
    ar = top.sub("asb_bridge", required=False)
    ar.check_keys(
        {
            "enabled",
            "window_days",
            "min_reports",
            "min_reports_vulnerable",
            "place_cell_m",
        }
    )
    asb = AsbBridge(
        enabled=ar.bool_("enabled", default=False),
        window_days=ar.int_("window_days", 183, minimum=1),
        min_reports=ar.int_("min_reports", 3, minimum=1),
        min_reports_vulnerable=ar.int_("min_reports_vulnerable", 2, minimum=1),
        place_cell_m=ar.float_("place_cell_m", 10.0),
    )
    profile = Profile(
        id=pr.str_("id"),
        title=pr.str_("title"),
        source=pr.str_("source"),
        description=pr.str_("description", ""),
        path=str(path),
        precedence=precedence,
        categories=MappingProxyType(categories),
        rules=tuple(rules),
        violence_related_codes=vr_codes,
        weapon=weapon,
        group_offending=group,
        repeat_victim=repeat,
        asb_bridge=asb,
        policeuk_possible_min_share=_share(pr),
        policeuk=MappingProxyType({}),
        code_lookup=MappingProxyType(harm.code_lookup),
    )
    return _with_policeuk(profile, harm)


def _share(r: _Reader) -> float:
    value = r.float_("policeuk_possible_min_share", 0.5, positive=False)
    if not 0.0 <= value <= 1.0:
        raise r.fail("policeuk_possible_min_share", f"must be in [0, 1], got {value!r}")
    return value


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


# --- diff ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ProfileDiff:
    """What differs between two profiles: codes per category, rules, parameters."""

    a: str
    b: str
    codes_added: Mapping[str, tuple[str, ...]]
    codes_removed: Mapping[str, tuple[str, ...]]
    rules_added: tuple[str, ...]
    rules_removed: tuple[str, ...]
    rules_changed: tuple[str, ...]
    settings_changed: tuple[tuple[str, str, str], ...]

    @property
    def same(self) -> bool:
        """True when nothing differs."""
        return not (
            any(self.codes_added.values())
            or any(self.codes_removed.values())
            or self.rules_added
            or self.rules_removed
            or self.rules_changed
            or self.settings_changed
        )

    def lines(self) -> list[str]:
        """The diff as plain text lines."""
        out = [f"--- {self.a}", f"+++ {self.b}"]
        for cat, codes in self.codes_removed.items():
            if codes:
                out.append(f"- {cat}: {', '.join(codes)}")
        for cat, codes in self.codes_added.items():
            if codes:
                out.append(f"+ {cat}: {', '.join(codes)}")
        out.extend(f"- rule {r}" for r in self.rules_removed)
        out.extend(f"+ rule {r}" for r in self.rules_added)
        out.extend(f"~ rule {r}" for r in self.rules_changed)
        out.extend(f"~ {k}: {va} -> {vb}" for k, va, vb in self.settings_changed)
        if self.same:
            out.append("(no differences)")
        return out


def _settings(p: Profile) -> dict[str, str]:
    out = {
        "precedence": ", ".join(p.precedence),
        "policeuk_possible_min_share": str(p.policeuk_possible_min_share),
        "violence_related_codes": ", ".join(
            sorted(p.violence_related_codes, key=_code_sort_key)
        ),
    }
    for name, obj in (
        ("extensions.weapon", p.weapon),
        ("extensions.group_offending", p.group_offending),
        ("extensions.repeat_victim", p.repeat_victim),
        ("asb_bridge", p.asb_bridge),
    ):
        for key, value in obj.__dict__.items():
            out[f"{name}.{key}"] = str(value)
    return out


def diff_profiles(a: Profile, b: Profile) -> ProfileDiff:
    """Compare two profiles: codes gained/lost per category, rules and parameters.

    Codes are compared per category through the code-only rules (the ones that decide
    on the offence code alone); conditional rules are compared as rules.
    """
    cats = list(dict.fromkeys([*a.precedence, *b.precedence]))
    added: dict[str, tuple[str, ...]] = {}
    removed: dict[str, tuple[str, ...]] = {}
    for cid in cats:
        ca = set(a.codes_of(cid)) if cid in a.categories else set()
        cb = set(b.codes_of(cid)) if cid in b.categories else set()
        added[cid] = tuple(sorted(cb - ca, key=_code_sort_key))
        removed[cid] = tuple(sorted(ca - cb, key=_code_sort_key))
    ra = {r.id: r for r in a.rules}
    rb = {r.id: r for r in b.rules}
    changed = tuple(sorted(k for k in ra.keys() & rb.keys() if ra[k] != rb[k]))
    sa, sb = _settings(a), _settings(b)
    settings = tuple(
        (k, sa.get(k, ""), sb.get(k, ""))
        for k in sorted(sa.keys() | sb.keys())
        if sa.get(k) != sb.get(k)
    )
    return ProfileDiff(
        a=a.id,
        b=b.id,
        codes_added=MappingProxyType(added),
        codes_removed=MappingProxyType(removed),
        rules_added=tuple(sorted(rb.keys() - ra.keys())),
        rules_removed=tuple(sorted(ra.keys() - rb.keys())),
        rules_changed=changed,
        settings_changed=settings,
    )


# --- docs ----------------------------------------------------------------------------
def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fmt_days(days: float) -> str:
    return f"{days:,.2f}".rstrip("0").rstrip(".")


def render_docs(
    profiles: tuple[str, ...] = ("avb-2010", "who-broad"),
    *,
    harm: HarmTable | None = None,
) -> str:
    """Render ``docs/definitions.md`` from the TOML files: every code per category.

    The page is generated, never edited by hand; ``avert definition docs`` writes it and
    a test fails when the committed page differs from this output.
    """
    harm = harm if harm is not None else load_harm()
    lines: list[str] = [
        "# Violence definitions and harm weights",
        "",
        "<!-- Generated from src/avert/config/defaults/*.toml by `avert definition docs`. "
        "Do not edit by hand. -->",
        "",
        "Each record is tested against every rule of a profile. It is in the definition "
        "when any rule matches; its category is the first category of the profile's "
        "precedence with a matching rule; `rule_ids` lists every rule that matched. "
        "Harm is the Cambridge Crime Harm Index (CCHI) weight of the offence code in days "
        "(Sherman, Neyroud & Neyroud 2016). *derived* weights were derived by avert by the "
        "CCHI method from the sentencing guideline named as the source, with the reasoning "
        "given; check them against the published CCHI before relying on a single value.",
        "",
        "Every default weight lies inside the range of CCHI 2026 days published for its "
        "Police Recorded Crime offence subgroup, and equals it where the range is one "
        "value (a test checks each code against that table). Fines convert at the CCHI's "
        "rate: band A 1 day, B 2, C 3 (see the method below).",
        "",
        "A force that holds the official Cambridge spreadsheet can use its per-code values: "
        "`avert harm import CCHI.xlsx --out harm-cchi.toml` writes a harm table that "
        "records the workbook's file name and SHA-256 digest, and setting `harm_table` "
        "(`AVERT_HARM_TABLE=harm-cchi.toml`) or `--harm harm-cchi.toml` makes it the "
        "table used by `avert classify` and by the classification after `avert ingest`; "
        "`avert definition explain` names the table "
        "each weight came from.",
        "",
    ]
    for pid in profiles:
        p = load_profile(pid, harm=harm)
        lines += [
            f"## Profile `{p.id}`: {p.title}",
            "",
            _md(p.description),
            "",
            f"Source: {_md(p.source)}",
            "",
        ]
        lines += ["Precedence: " + " > ".join(f"`{c}`" for c in p.precedence), ""]
        for cid in p.precedence:
            cat = p.categories[cid]
            lines += [f"### `{cid}`: {_md(cat.title)}", ""]
            if cat.seed:
                lines += [f"Seed: {_md(cat.seed)}", ""]
            crules = [r for r in p.rules if r.category == cid]
            for r in crules:
                cond = ""
                if r.require_any:
                    cond = " when any of: " + "; ".join(
                        c.describe() for c in r.require_any
                    )
                scope = (
                    "any offence"
                    if r.offence_codes is None
                    else f"{len(r.offence_codes)} codes"
                )
                lines.append(f"- `{r.id}`: {_md(r.clause)} ({scope}{cond})")
            for ext in (p.weapon, p.group_offending, p.repeat_victim):
                if ext.enabled and ext.category == cid:
                    lines.append(f"- `{ext.id}`: {_ext_text(p, ext)}")
            lines.append("")
            codes = sorted(
                {c for r in crules if r.offence_codes for c in r.offence_codes},
                key=_code_sort_key,
            )
            if codes:
                lines += [
                    "| code | offence | rules | harm (days) | derived | source |",
                    "|---|---|---|---:|---|---|",
                ]
                for c in codes:
                    h = harm.codes[c]
                    rids = ", ".join(
                        f"`{r.id}`"
                        for r in crules
                        if r.offence_codes and c in r.offence_codes
                    )
                    src = h.source + (f". Reasoning: {h.reason}" if h.reason else "")
                    lines.append(
                        f"| `{c}` | {_md(h.description)} | {rids} | {_fmt_days(h.days)} | "
                        f"{'yes' if h.derived else 'no'} | {_md(src)} |"
                    )
                lines.append("")
        if p.violence_related_codes:
            lines += [
                "### Violence-related codes (extensions)",
                "",
                ", ".join(
                    f"`{c}`"
                    for c in sorted(p.violence_related_codes, key=_code_sort_key)
                ),
                "",
            ]
        if p.asb_bridge.enabled:
            a = p.asb_bridge
            lines += [
                "### ASB bridge",
                "",
                f"An ASB report escalates when its caller made {a.min_reports} or more reports "
                f"within {a.window_days} days ({a.min_reports_vulnerable} for a vulnerable caller), "
                f"or {a.min_reports} or more reports were made in the same {_fmt_days(a.place_cell_m)} m "
                "cell within the window (ASB case review threshold). Rule ids: `asb.repeat_caller`, "
                "`asb.repeat_caller_vulnerable`, `asb.repeat_place`.",
                "",
            ]
        lines += [
            "### data.police.uk categories (no offence code)",
            "",
            f"A `possible` category counts as in when at least {p.policeuk_possible_min_share:.0%} "
            "of its national 2017/18 offences are in on their code alone.",
            "",
            "| category | resolution | in definition | category in profile | share of national offences in | expected harm (days) |",
            "|---|---|---|---|---:|---:|",
        ]
        for name, pc in sorted(p.policeuk.items()):
            exp = harm.expected.get(name)
            res = "possible" if pc.status == "possible" else f"category ({pc.status})"
            lines.append(
                f"| {name} | {res} | {'yes' if pc.in_definition else 'no'} | {pc.category or ''} | {pc.in_share:.1%} | "
                f"{_fmt_days(exp.days) if exp else 'none'} |"
            )
        lines.append("")
    lines += ["## Harm weights of all codes", "", "Method:", ""]
    for key, value in harm.method.items():
        lines.append(f"- {key}: {_md(str(value))}")
    lines += [
        "",
        "| code | offence | police.uk category | national count 2017/18 | harm (days) | derived |",
        "|---|---|---|---:|---:|---|",
    ]
    for c in sorted(harm.codes, key=_code_sort_key):
        h = harm.codes[c]
        lines.append(
            f"| `{c}` | {_md(h.description)} | {h.policeuk_category} | {h.national_count:,} | "
            f"{_fmt_days(h.days)} | {'yes' if h.derived else 'no'} |"
        )
    lines.append("")
    return "\n".join(lines)


def _ext_text(
    p: Profile, ext: WeaponExtension | GroupExtension | RepeatVictimExtension
) -> str:
    if isinstance(ext, WeaponExtension):
        implied = ", ".join(ext.implied_by_codes) or "none"
        return (
            f"a violence-related offence with weapon in {', '.join(ext.weapons)} "
            f"(codes that imply a weapon: {implied})"
        )
    if isinstance(ext, GroupExtension):
        return (
            f"a violence-related offence with {ext.min_suspects} or more distinct "
            f"{'/'.join(ext.roles)} people (involvements, or incidents.n_suspects)"
        )
    span = "before or after" if ext.direction == "both" else "before"
    return (
        "a violence-related offence whose victim suffered another violence-related "
        f"offence within {ext.window_days} days {span}"
    )
