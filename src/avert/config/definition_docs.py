"""Comparing and documenting violence definitions: ``avert definition diff`` and the
generated docs/definitions.md page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from avert.config.definitions import (
    GroupExtension,
    HarmTable,
    Profile,
    RepeatVictimExtension,
    WeaponExtension,
    _code_sort_key,
    load_harm,
    load_profile,
)

__all__ = ["ProfileDiff", "diff_profiles", "render_docs"]


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
        "value (a test checks each code against that table); the four fraud codes have "
        "no published range and say so in their reasoning. Fines convert at the CCHI's "
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
        "A definition of your own: copy a built-in file (`src/avert/config/defaults/"
        "violence.toml` or `violence_who.toml`), give it an id of its own in "
        "`[profile] id` (an edited copy that keeps `avb-2010` or `who-broad` is "
        "refused: classifications are stored under the id; an unchanged copy is "
        "accepted), add, remove or change categories "
        "and rules, then `avert definition validate mine.toml`, `avert definition diff "
        "avb-2010 mine.toml` and `avert classify --definition mine.toml`; setting "
        "`definition` (`AVERT_DEFINITION=mine.toml`) makes it the one the analyses, "
        "briefings and `avert ingest` use. A weight is changed in a harm table of "
        "your own (a copy of `harm.toml`, or `avert harm import`), given by "
        "`harm_table` or `--harm`. Stored classifications are not remade when a "
        "file changes: run `avert classify` after every edit of the definition or "
        "the harm table (it reports what moved in and out and what was reweighted). "
        "A category's `short` (optional) is the name the pages and the briefing show "
        'where its `title` is long ("Violence with a weapon"); without it, the '
        "title. It is no part of what is classified: adding or editing one leaves "
        "the stored classifications current.",
        "",
        "Stale classifications are named. `avert classify` (and the classification "
        "after `avert ingest`) stores with a profile's classifications the SHA-256 "
        "of the definition's and the harm table's canonical content (the TOML as "
        "parsed: an edit of comments, whitespace or key order is no change) and when "
        "it classified. Every analysis that reads them (VOLT, concentration, risk, "
        "the briefing, places, groups, retaliation, families, a person's network "
        "picture and person page, the delivery plan's checks, the retention "
        "review (which reads no harm: a definition change only), performance, the "
        "board pack, the web pages) compares them with "
        "the definition and harm table in force: the "
        "setting `definition` when its id is the profile's (else the built-in "
        "profile of that id, else the file classified from) and the setting "
        "`harm_table`. When they differ, each output carries a note (in `--json`, "
        "under `notes`) that names the profile and what changed (definition, harm "
        "table or both) and says to run `avert classify`; the old classifications "
        "are still read (nothing is classified on the fly), so old figures can be "
        "read on purpose. `avert status` shows, per profile, `current`, `stale` "
        "(and what changed) or `unknown`: classified before avert kept these "
        "digests (nothing is said on the outputs until the profile is classified "
        "again), or a file in force cannot be read. `avert classify --harm FILE` "
        "with another table than the setting's leaves the analyses' harm table "
        "note until the setting names it too. The web app's *Today* page keeps a "
        "briefing ten minutes, but an edit of the definition or harm table in "
        "force shows its note on the next request (the check is in the cache key).",
        "",
    ]
    for pid in profiles:
        lines += _profile_docs(load_profile(pid, harm=harm), harm)
    lines += _harm_docs(harm)
    return "\n".join(lines)


def _profile_docs(p: Profile, harm: HarmTable) -> list[str]:
    """The section of one profile: categories, rules, codes and police.uk."""
    lines: list[str] = []
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
        lines += _category_docs(p, cid, harm)
    if p.violence_related_codes:
        lines += [
            "### Violence-related codes (extensions)",
            "",
            ", ".join(
                f"`{c}`" for c in sorted(p.violence_related_codes, key=_code_sort_key)
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
            "`asb.repeat_caller_vulnerable`, `asb.repeat_place`. `avert classify` (and "
            "the classification after `avert ingest`) applies the bridge "
            "(`avert.classify.asb_escalation`) to every stored ASB report and stores "
            "the verdicts with the classifications (table `asb_escalations`, dated and "
            "digested by the same run row); `avert status` counts the reports loaded "
            "since. The daily briefing lists the window's escalating reports as ASB "
            "reports, not crimes (docs/briefing.md): they carry no harm weight, so they "
            "are in no harm total, incident count, 80/20 table, VOLT list or places "
            "forecast (`avert analyse risk --kind asb` scores ASB callers and places on "
            "its own, docs/analyses.md).",
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
    return lines


def _category_docs(p: Profile, cid: str, harm: HarmTable) -> list[str]:
    """One category: its rules and extensions, then a table of its codes."""
    lines: list[str] = []
    cat = p.categories[cid]
    lines += [f"### `{cid}`: {_md(cat.title)}", ""]
    if cat.seed:
        lines += [f"Seed: {_md(cat.seed)}", ""]
    crules = [r for r in p.rules if r.category == cid]
    for r in crules:
        cond = ""
        if r.require_any:
            cond = " when any of: " + "; ".join(c.describe() for c in r.require_any)
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
                f"`{r.id}`" for r in crules if r.offence_codes and c in r.offence_codes
            )
            src = h.source + (f". Reasoning: {h.reason}" if h.reason else "")
            lines.append(
                f"| `{c}` | {_md(h.description)} | {rids} | {_fmt_days(h.days)} | "
                f"{'yes' if h.derived else 'no'} | {_md(src)} |"
            )
        lines.append("")
    return lines


def _harm_docs(harm: HarmTable) -> list[str]:
    """The method and the weight of every code of the harm table."""
    lines: list[str] = []
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
    return lines


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
