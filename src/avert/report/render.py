"""Render templates to self-contained HTML, and HTML to PDF with WeasyPrint.

One Jinja2 environment (autoescape on for HTML: every record value is escaped) loads
the packaged templates. Pages carry their CSS inline and their charts as inline SVG,
so they open from a file or an e-mail with no network; the PDF is made from the same
HTML by WeasyPrint (CSS paged media), never from a second layout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from avert.analyse.equality import SEX_LABELS
from avert.analyse.forecast import bulk_notes
from avert.areas import area_words
from avert.briefing import Briefing
from avert.briefing.places import no_places_notes
from avert.delivery.model import cell_words, organisation_words, subject_words
from avert.files import private_write_bytes
from avert.report.charts import (
    CATEGORY_COLOURS,
    category_colour,
    map_frame_reach,
    pinned_axis_chart_html,
    places_map_svg,
)
from avert.report.glyphs import drawable_html
from avert.schema import DETECTED_GROUP_PREFIX

__all__ = [
    "LIST_LIMITS",
    "MAP_POINTS_LIMIT",
    "TALL_ROW_CHARS",
    "environment",
    "harm_days_text",
    "interval_end_text",
    "measure_now_text",
    "measure_path_text",
    "pvalue_text",
    "render_briefing_html",
    "render_html",
    "render_pdf",
]


def _when(value: Any, fmt: str = "%a %d %b %Y %H:%M") -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime(fmt)
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value).strftime(fmt)
        except ValueError:
            return value
    return "" if value is None else str(value)


def _num(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, int | float):
        return f"{value:,.{digits}f}"
    return str(value)


def pvalue_text(value: Any, alpha: float = 0.05) -> str:
    """A p-value to 3 decimals ("< 0.001" below), with more where 3 would round it
    across ``alpha``: p = 0.04987 is significant at 0.05, and "0.050" beside
    "significant increase" read as a contradiction (Toronto's violence, 2019)."""
    if value is None:
        return "–"
    p = float(value)
    if p < 0.001:
        return "< 0.001"
    digits = 3
    while digits < 8 and (round(p, digits) < alpha) != (p < alpha):
        digits += 1
    return f"{p:.{digits}f}"


def _side_of_one(value: float) -> int:
    """-1, 0 or 1: ``value`` below, at or above 1 (no change, for a ratio)."""
    return (value > 1) - (value < 1)


def interval_end_text(value: Any, digits: int = 2) -> str:
    """An end of a ratio's 95 % interval to ``digits`` decimals, with more where
    those would round it onto or across 1, the value the verdict turns on: a
    "significant sustained reduction" at rate ratio 0.52 whose interval ends at
    0.9967 printed "(0.27 to 1.00)", as if it reached no change (Toronto's
    Dorset Park robberies, 2020 against 2018-19), and an upper end of 1.0014 on
    "no significant change" read the same; they print 0.997 and 1.001 now."""
    if value is None:
        return "–"
    end = float(value)
    shown = digits
    while shown < 8 and _side_of_one(round(end, shown)) != _side_of_one(end):
        shown += 1
    return f"{end:.{shown}f}"


def _measure_value_text(value: float) -> str:
    """A value of an objective's measure as its table prints it (the template's
    ``val``): two decimals under 10 when not whole (a share, 0.71), else whole."""
    if value < 10 and value != round(value):
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def _measure_path_decimals(path: float, current: float | None) -> int | None:
    """The decimals that tell ``path`` from ``current`` where the table would print
    the two alike though they differ (None: print both as usual)."""
    if current is None or abs(float(current) - path) <= 1e-9:
        return None
    now = float(current)
    shown = 2 if path < 10 and path != round(path) else 0
    while shown < 6 and f"{path:,.{shown}f}" == f"{now:,.{shown}f}":
        shown += 1
    return shown or None


def measure_path_text(path: Any, current: Any) -> str:
    """An objective's *path now* as its table prints it, with more decimals where it
    would print the same as the current value it is judged against though the two
    differ: a count of 355 against a path of 354.6 read "355" and "355" beside
    "off track" (the status compares the unrounded path, docs/delivery.md)."""
    if path is None:
        return "–"
    end = float(path)
    shown = _measure_path_decimals(end, current)
    return _measure_value_text(end) if shown is None else f"{end:,.{shown}f}"


def measure_now_text(current: Any, path: Any) -> str:
    """An objective's current value as its table prints it, to the decimals of its
    path (:func:`measure_path_text`) where that needs more and the value is not
    whole: a harm of 12,345.75 CCHI days printed "12,346" beside a path of
    "12,345.9" and "on track", as if above the path it is below."""
    if current is None:
        return "–"
    now = float(current)
    shown = None if path is None else _measure_path_decimals(float(path), now)
    if shown is None or now == round(now):
        return _measure_value_text(now)
    return f"{now:,.{shown}f}"


def _pct(value: Any) -> str:
    """A share as a whole percentage; a share that is neither none nor all never
    rounds to either: "<1 %", ">99 %" (the Met's 8 searches of children under 10,
    of 69,568, printed "0 %" beside their count in the board pack)."""
    if value is None:
        return "–"
    share = float(value)
    text = f"{share * 100:.0f}"
    if share > 0 and text == "0":
        return "<1 %"
    if share < 1 and text == "100":
        return ">99 %"
    return f"{text} %"


def harm_days_text(value: Any, lead: str = "") -> str:
    """A harm figure as every page words it: "1,460 days" (a cell under a Harm
    heading) or, with ``lead="harm"``, "harm 1,460 days"; "1 day"; "–" unknown.
    The unit is the Cambridge Crime Harm Index's day of imprisonment
    (docs/definitions.md); Today's tables said "1,460 d" where the Meeting said
    "1,460 days" of the same incident. Non-breaking spaces keep it on one line."""
    if value is None:
        figure = "–"
    else:
        figure = f"{_num(value)}\u00a0day{'' if float(value) == 1 else 's'}"
    return f"{lead}\u00a0{figure}" if lead else figure


def _label(value: Any) -> str:
    return "" if value is None else str(value).replace("_", " ")


def _makeup_category(category: Any, dimension: str) -> str:
    """A make-up row's category in words: a sex by its name (the data's codes M, F,
    X: :data:`avert.analyse.equality.SEX_LABELS`), any other category as it is.

    >>> _makeup_category("F", "sex"), _makeup_category("over 34", "age_band")
    ('Female', 'over 34')
    """
    text = "" if category is None else str(category)
    return SEX_LABELS.get(text, text) if dimension == "sex" else text


#: The control-chart run rules in words (:func:`avert.analyse.performance` names
#: them by key: the performance page read "beyond 3sigma 4, two of three 2sigma 4").
SPC_RULE_NAMES: Final = {
    "beyond_3sigma": "beyond 3 sigma",
    "run_8": "run of 8",
    "two_of_three_2sigma": "2 of 3 beyond 2 sigma",
    "trend_6": "trend of 6",
}


def _group_words(group_id: Any, size: Any = None, origin: Any = None) -> str:
    """A rival group of a retaliation alert in words, beside its id (the
    briefing's Rivals column read "net-P0006230" alone). A network avert found in
    co-offending (``net-`` + its smallest member's person id, police only) is
    said so, with its size ("network of 16 people found by co-offending"; the
    member is not named apart from the id beside it: a person named on the page
    would be a person shown, and the briefing's audit counts the people it lists,
    not a group's members); any other id (a declared group, or a
    partner's pseudonym of any group, which says nothing of its members) is "group
    of N people". ``size``: the briefing's ``rival_group_sizes`` entry (None: not
    known, no count said). ``origin``: where the Groups page knows it
    ("detected" or "declared"; the page tells partners too), a partner's
    pseudonym of a detected network is said to be one (naming no member), and a
    declared group is said to be declared.

    >>> _group_words("net-P0006230", 16)
    'network of 16 people found by co-offending'
    >>> _group_words("G-1A2B3C", 1), _group_words("R1")
    ('group of 1 person', 'group')
    >>> _group_words("G-1A2B3C", 11, "detected"), _group_words("G003", 8, "declared")
    ('network of 11 people found by co-offending', 'declared group of 8 people')
    """
    gid = "" if group_id is None else str(group_id)
    n = None if size is None else int(size)
    people = "" if n is None else f" of {n:,} {'person' if n == 1 else 'people'}"
    if gid.startswith(DETECTED_GROUP_PREFIX) and len(gid) > len(DETECTED_GROUP_PREFIX):
        return f"network{people} found by co-offending"
    if origin == "detected":
        return f"network{people} found by co-offending"
    if origin == "declared":
        return f"declared group{people}"
    return f"group{people}"


#: Days after the start of the analysis window within which a group's first
#: incident may be the window's edge, not the group's start: "or earlier"
GROUP_SINCE_EDGE_DAYS: Final = 31


def _group_place(group: Mapping[str, Any]) -> str:
    """Where and since when a group of the Groups page offends, in words, to
    follow its :func:`_group_words`: ", mostly in Camden, active since Mar 2026"
    (``main_area`` and its ``main_area_share`` of the group's incidents naming an
    area, ``first_at`` its first incident of the analysis window:
    :func:`avert.analyse.networks.group_areas`). All its incidents in one area:
    "in"; most: "mostly in"; a half or fewer: "most often in" with the number of
    areas; an LSOA (the level on a force of one borough and one ward) said to be
    one: "mostly in LSOA E01000001". A first incident within
    :data:`GROUP_SINCE_EDGE_DAYS` of the window's
    start (``window_start``) may be the window's edge: "active since ... or
    earlier". Nothing known: "".

    >>> _group_place({"main_area": "camden", "main_area_share": 0.8,
    ...     "first_at": dt.datetime(2026, 3, 2), "window_start": dt.datetime(2023, 1, 1)})
    ', mostly in Camden, active since Mar 2026'
    >>> _group_place({"main_area": "Brent", "main_area_share": 0.4, "n_areas": 3,
    ...     "first_at": dt.datetime(2023, 1, 9), "window_start": dt.datetime(2023, 1, 1)})
    ', most often in Brent (of 3 areas), active since Jan 2023 or earlier'
    >>> _group_place({"area_level": "lsoa", "main_area": "E01000001",
    ...     "main_area_share": 1.0})
    ', in LSOA E01000001'
    >>> _group_place({"main_area": None, "first_at": None}), _group_place({})
    ('', '')
    """
    words = []
    area, share = group.get("main_area"), group.get("main_area_share")
    if area:
        # an LSOA by its code, said to be one (a borough or ward by its name)
        name = ("LSOA " if group.get("area_level") == "lsoa" else "") + area_words(
            str(area)
        )
        if share is None or float(share) >= 1:
            words.append(f"in {name}")
        elif float(share) > 0.5:  # most: more than half
            words.append(f"mostly in {name}")
        else:
            n = group.get("n_areas")
            words.append(f"most often in {name}" + (f" (of {n} areas)" if n else ""))
    first = group.get("first_at")
    if isinstance(first, str) and first:
        first = dt.datetime.fromisoformat(first)
    if isinstance(first, dt.datetime):
        start = group.get("window_start")
        if isinstance(start, str) and start:
            start = dt.datetime.fromisoformat(start)
        edge = isinstance(start, dt.datetime) and first - start <= dt.timedelta(
            days=GROUP_SINCE_EDGE_DAYS
        )
        words.append(f"active since {first:%b %Y}" + (" or earlier" if edge else ""))
    return "".join(f", {w}" for w in words)


def _spc_rule(key: Any) -> str:
    """A control-chart rule's name in words (any other key: spaces for underscores)."""
    return SPC_RULE_NAMES.get(str(key)) or _label(key)


#: Characters of one cell's text from which its table row may break across pages:
#: some 45 lines in a 22 % column of an A4 page, most of its height.
TALL_ROW_CHARS: Final = 1000


#: the plural nouns of the make-up lists' labels (avert.briefing.makeup.LISTS, the
#: web's lists) and of their pools (makeup.LISTS, POOL_OFFENDERS), with their
#: singular; "and" joins kinds of people, each of whom one person is one of: "or"
_SINGULAR = {
    "victims, suspects and offenders": "victim, suspect or offender",
    "suspects and offenders": "suspect or offender",
    "and callers": "or caller",
    "people": "person",
    "victims": "victim",
    "callers": "caller",
    "targets": "target",
    "members": "member",
}
#: longest first: the alternation takes the first that matches
_PLURAL_NOUN = re.compile(
    r"\b(" + "|".join(sorted(_SINGULAR, key=len, reverse=True)) + r")\b"
)


def _of_one(label: Any) -> str:
    """A list's label (or its pool's) after a count of one: its plural nouns
    singular.

    >>> _of_one("people tasked (overdue, due or done)")
    'person tasked (overdue, due or done)'
    >>> _of_one("repeat victims hit again")
    'repeat victim hit again'
    >>> _of_one("suspects and offenders of the window's violent incidents")
    "suspect or offender of the window's violent incidents"
    """
    return _PLURAL_NOUN.sub(lambda m: _SINGULAR[m.group(1)], str(label))


def _tall(texts: Iterable[Any]) -> bool:
    """Whether one of ``texts`` (a row's free-text cells) holds more than
    :data:`TALL_ROW_CHARS` characters, so that its row may be taller than a page.

    Rows are kept whole on a page (``tr { page-break-inside: avoid }``), but
    WeasyPrint (70) prints a row taller than the page after a blank page, and
    without its table's header row on every page it fills (Kozea/WeasyPrint#2679:
    an action's 17,000-character evidence printed 10 pages of text under no
    header). Such a row gets the class ``tall`` and breaks as text does.
    """
    return any(len(str(t)) > TALL_ROW_CHARS for t in texts if t is not None)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The report Jinja2 environment (packaged templates, HTML autoescape, strict)."""
    env = Environment(
        loader=PackageLoader("avert.report", "templates"),
        autoescape=select_autoescape(["html", "htm", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["num"] = _num
    env.filters["pct"] = _pct
    env.filters["pvalue"] = pvalue_text
    env.filters["interval_end"] = interval_end_text
    env.filters["measure_path"] = measure_path_text
    env.filters["measure_now"] = measure_now_text
    env.filters["label"] = _label
    # a harm figure in CCHI days, one wording on every page: "harm 1,460 days"
    env.filters["harm_days"] = harm_days_text
    # an action's subject (type, id) in words: "Person P1", not "person:P1"
    env.filters["subject_words"] = subject_words
    # an area key as a reader is shown it: "London", not "london"
    env.filters["area_words"] = area_words
    # an organisation's key in words: "NHS", "London Councils" (not "nhs")
    env.filters["org_words"] = organisation_words
    # a retaliation alert's rival group in words: "network of 16 people found by
    # co-offending (net-P0006230)", not "net-P0006230" alone
    env.filters["group_words"] = _group_words
    # where and since when a Groups page's group offends: ", mostly in Camden,
    # active since Mar 2026" (the page led with the id and a size)
    env.filters["group_place"] = _group_place
    # a places cell's id in words: "150 m cell E3532 N1205", not "150m:E3532:N1205"
    env.filters["cell_words"] = cell_words
    # a make-up row's category as a reader reads it: "Female", not the code "F"
    env.filters["makeup_category"] = _makeup_category
    env.filters["spc_rule"] = _spc_rule
    env.filters["tall"] = _tall
    env.filters["of_one"] = _of_one
    env.filters["pinned_axis"] = pinned_axis_chart_html
    env.globals["category_colour"] = category_colour
    # where a person's id links to (the web app's record page, police roles only);
    # None in files: a report names people but opens nothing
    env.globals["person_href"] = None
    # where a briefing's full lists are (the page lists the first few): the file
    # beside a report; the web app names its JSON API instead
    env.globals["full_lists"] = "briefing.json"
    # how the meeting tasks an item and how a partner's briefing names its
    # organisation: the commands in files; the web app names its own pages instead
    # (a partner or a board member there has no command line)
    env.globals["taskings_how"] = 'with "avert task add" or the web meeting view'
    env.globals["taskings_org_how"] = (
        "avert brief --audience partner --org ORGANISATION; on the web, the "
        "organisation of the account signed in, a partner's or a board member's"
    )
    return env


def render_html(template: str, /, **context: Any) -> str:
    """Render a packaged template with ``context`` (values are HTML-escaped)."""
    return environment().get_template(template).render(**context)


#: Rows shown per list on the page (highest harm first); the rest are counted, and
#: every item is in briefing.json. Keeps any window's PDF to about 30 pages.
LIST_LIMITS: Final = {
    "incidents": 40,
    "retaliation": 20,
    "repeat_victims": 20,
    "asb_callers": 20,
    "asb_escalating": 20,
    "intelligence": 30,
    "actions": 20,
    "zones": 20,
    # a weak retaliation alert is one line: its victim and these first targets
    "weak_alert_targets": 3,
}
#: Incidents drawn on the map (highest harm first, or a sample in proportion to
#: the categories when harm is each category's expected weight).
MAP_POINTS_LIMIT: Final = 400


def _id_order(incident_id: object) -> bytes:
    """A fixed pseudo-random order of incidents (a hash of the id, no seed)."""
    return hashlib.blake2b(str(incident_id).encode(), digest_size=8).digest()


def _map_points(
    points: Sequence[Mapping[str, Any]], *, sample: bool = False
) -> list[Mapping[str, Any]]:
    """At most :data:`MAP_POINTS_LIMIT` points (stable order): the highest-harm,
    or with ``sample`` a sample in proportion to the categories.

    ``sample`` is for harm that is each category's expected weight (data.police.uk):
    the highest-harm points are then one category's (a London month drew 400 of
    1,982 robberies and none of 19,573 violence and sexual offences). Each
    category (and harm weight) gets its share of the points, largest remainders
    first, and its points are the first in the order of a hash of their ids.
    """
    if len(points) <= MAP_POINTS_LIMIT:
        return list(points)
    if not sample:
        ranked = sorted(
            range(len(points)), key=lambda i: -(points[i].get("harm_days") or 0.0)
        )
        keep = sorted(ranked[:MAP_POINTS_LIMIT])
        return [points[i] for i in keep]
    groups: dict[tuple[str, float], list[int]] = {}
    for i, p in enumerate(points):
        key = (str(p.get("category")), float(p.get("harm_days") or 0.0))
        groups.setdefault(key, []).append(i)
    n = len(points)
    quota = {k: len(v) * MAP_POINTS_LIMIT // n for k, v in groups.items()}
    left = MAP_POINTS_LIMIT - sum(quota.values())
    by_remainder = sorted(
        groups, key=lambda k: (-(len(groups[k]) * MAP_POINTS_LIMIT % n), k)
    )
    for k in by_remainder[:left]:
        quota[k] += 1
    keep = sorted(
        i
        for k, members in groups.items()
        for i in sorted(members, key=lambda i: _id_order(points[i].get("incident_id")))[
            : quota[k]
        ]
    )
    return [points[i] for i in keep]


def _legend(points: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, int]]:
    """(name, colour, count) of the categories of the mapped points.

    A point in the definition in no profile category (a data.police.uk "violence
    and sexual offences" row) is drawn in the other colour and named as the
    incident list names it (its ``label``: "police.uk: violence and sexual
    offences"; "no single category" only when nothing names it), not "None".
    """
    counts: dict[tuple[str, str | None], int] = {}
    for p in points:
        category = p.get("category") or None
        name = str(p.get("label") or category or "no single category")
        counts[(name, category)] = counts.get((name, category), 0) + 1
    known = list(CATEGORY_COLOURS)
    order = sorted(
        counts,
        key=lambda k: (
            (0, known.index(k[1]), k[0]) if k[1] in CATEGORY_COLOURS else (1, 0, k[0])
        ),
    )
    return [(name, category_colour(cat), counts[(name, cat)]) for name, cat in order]


def render_briefing_html(
    briefing: Briefing,
    *,
    title: str | None = None,
    data: dict[str, Any] | None = None,
) -> str:
    """Return the self-contained HTML page of a daily briefing.

    ``data`` is ``briefing.to_json()`` when the caller has it already. Long lists
    show their first :data:`LIST_LIMITS` rows and count the rest (all are in the
    JSON); the map draws at most :data:`MAP_POINTS_LIMIT` incidents.
    """
    return render_html(
        "briefing.html",
        **briefing_page_context(briefing, data=data),
        title=title or "Daily risk briefing",
    )


def _map_title(briefing: Briefing) -> str:
    """The places map's accessible title, as the Places section's heading reads.

    A forecast's map is of the places for the next hours; any other (a
    month-precision briefing's hotspot map, in-sample) of where the window's
    violence concentrated: it was titled "Places for the next 24 hours from 01 Aug
    2018 08:00" under a heading and a Places page saying it is not a forecast.
    """
    summary = briefing.places_summary
    if summary.get("kind") == "forecast":
        hours = summary.get("horizon_hours", 24)
        return f"Places for the next {hours:g} hours from {briefing.at:%d %b %Y %H:%M}"
    if briefing.precision == "month":
        return f"Places where violence concentrated in {briefing.window_from:%B %Y}"
    return "Places where the window's violence concentrated"


def _map_zones(summary: Mapping[str, Any]) -> list[Any]:
    """The near-repeat zones a places ``summary`` draws: its own, or (forces far
    apart, each planned on its own grid) each force's (``by_force``)."""
    zones = list((summary.get("near_repeat") or {}).get("zones", []))
    for own in summary.get("by_force") or ():
        zones.extend((own.get("near_repeat") or {}).get("zones", []))
    return zones


def briefing_page_context(
    briefing: Briefing, *, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """What the briefing templates need: the briefing, its JSON, the map, the limits,
    and the notes on events left out of its places' grid (far from the bulk of the
    others: :func:`avert.analyse.forecast.bulk_events`), which the Places page shows.

    One place for the report page and the web app, which renders the same
    sections (``_briefing_sections.html``) inside its own pages.
    """
    cell_size_m = float(briefing.places_summary.get("cell_size_m", 100.0))
    # drawn from the incidents the frame shows: a sample of the whole force
    # framed on its top cells showed few dots where most of them are
    reach = map_frame_reach(
        list(briefing.places), briefing.map_points, cell_size_m=cell_size_m
    )
    framed = reach.framed
    points = _map_points(framed, sample=briefing.harm_expected)
    force_maps, force_keys = _force_maps(briefing, cell_size_m)
    svg = places_map_svg(
        list(briefing.places),
        points,
        cell_size_m=cell_size_m,
        boundaries=list(briefing.boundaries),
        title=_map_title(briefing),
        zones=_map_zones(briefing.places_summary),
    )
    return {
        "b": briefing,
        "data": briefing.to_json() if data is None else data,
        "map_svg": Markup(svg),  # built from numbers and escaped labels
        "map_legend": _legend(points),
        # drawn, in the map's frame, in the window
        "map_shown": (len(points), len(framed), len(briefing.map_points)),
        "map_sampled": briefing.harm_expected,
        # a partner's dots are at their cells' centres: those of cells across the
        # frame's edge whose centre is past it are not drawn (the police map
        # draws those of their incidents inside the frame), said under the map
        "map_edge_cut": reach.past_edge if briefing.audience == "partner" else 0,
        "map_cell_m": cell_size_m,
        "limits": LIST_LIMITS,
        "grid_notes": bulk_notes(briefing.notes),
        # why there are no top cells, shown where they would be (Places page)
        "places_notes": no_places_notes(briefing.notes),
        # of forces far apart, each force's own map and its key (one map over
        # them all is not drawn: its cells were smaller than a pixel)
        "force_maps": force_maps,
        "force_map_keys": force_keys,
    }


def _force_maps(
    briefing: Briefing, cell_size_m: float
) -> tuple[dict[str, Markup], dict[str, dict[str, Any]]]:
    """Of forces far apart (``places_summary.by_force``), each force's own map:
    its top cells, the window's incidents in their frame and its zones (one map
    over both forces, 250 km wide, drew each cell smaller than a pixel); none
    otherwise. Beside them each map's key (``legend``, ``shown``: as
    ``map_legend``, ``map_shown`` and ``map_edge_cut`` of the one map, of the
    dots in its frame; ``near_repeat``: the force's), as the places legend
    (``_places_legend.html``) reads them."""
    maps: dict[str, Markup] = {}
    keys: dict[str, dict[str, Any]] = {}
    for own in briefing.places_summary.get("by_force") or ():
        name = str(own.get("force"))
        cells = [c for c in briefing.places if c.get("force") == name]
        framed = map_frame_reach(cells, briefing.map_points, cell_size_m=cell_size_m)
        points = _map_points(framed.framed, sample=briefing.harm_expected)
        svg = places_map_svg(
            cells,
            points,
            cell_size_m=cell_size_m,
            boundaries=list(briefing.boundaries),
            title=f"{_map_title(briefing)}: {name}",
            zones=_map_zones(own),
        )
        maps[name] = Markup(svg)  # built from numbers and escaped labels
        keys[name] = {
            "legend": _legend(points),
            "shown": (len(points), len(framed.framed), len(briefing.map_points)),
            "near_repeat": own.get("near_repeat"),
            "edge_cut": framed.past_edge if briefing.audience == "partner" else 0,
        }
    return maps, keys


def render_pdf(html: str, path: str | Path) -> Path:
    """Write ``html`` as a PDF at ``path`` with WeasyPrint; return the path.

    The HTML must be self-contained (it is: inline CSS and SVG), so WeasyPrint
    fetches nothing. Characters no installed font draws (emoji in a plan action's
    title) are printed as their Unicode name in brackets, not as empty boxes
    (:func:`avert.report.glyphs.drawable_html`). The file is private
    (:mod:`avert.files`).
    """
    import weasyprint  # imported here: slow to import and only needed for PDFs

    out = Path(path)
    pdf = weasyprint.HTML(
        string=drawable_html(html), base_url=str(out.parent)
    ).write_pdf()
    assert pdf is not None  # no target: WeasyPrint returns the bytes
    return private_write_bytes(out, pdf)  # personal data: owner-only by default
