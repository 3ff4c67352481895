"""The demo: a synthetic city end to end, as ``make demo`` runs it.

Generates the default synthetic city (about 50,000 people over two years), loads it
into a fresh ``avert-demo.db``, classifies it under the AVB definition, runs every
analysis that exists (concentration, VOLT, risk, groups, retaliation, the daily
briefing of the city's last day, the board pack with stop and search against the
city's own residents) and writes a report folder with an ``index.html``
that a person can open, next to the JSON of every result. Where the city planted a
truth (the power few, high-rate offenders, reprisals), the page sets what avert
measured beside what was planted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from avert.analyse.concentration import Entity
from avert.analyse.result import jsonable
from avert.config.settings import load_settings
from avert.errors import ConfigError, NotFound
from avert.files import private_files, private_mkdir, private_write_text
from avert.policy import ROLES
from avert.report.render import render_html
from avert.store import Store
from avert.store.summary import record_sources
from avert.synth import CityConfig, make_city, write_bundle
from avert.synth.bundle import SOURCE_PREFIX
from avert.synth.residents import write_residents
from avert.workflows.analysis import RiskKind, run_concentration, run_risk, run_volt
from avert.workflows.board import load_centroids, load_population
from avert.workflows.briefing import run_briefing
from avert.workflows.definitions import classify_store
from avert.workflows.delivery import board_pack, seed_demo_plan
from avert.workflows.equality import run_equality
from avert.workflows.load import load_files
from avert.workflows.networks import (
    groups_report,
    refresh_detected_groups,
    retaliation_report,
)
from avert.workflows.users import add_user

__all__ = [
    "DEMO_PASSWORD",
    "DemoReport",
    "check_demo_store",
    "demo_sign_in",
    "run_demo",
]

ProgressFn = Callable[[str], None]


@dataclass
class DemoReport:
    """What the demo did: the files it wrote and the figures it measured."""

    out_dir: Path
    database: Path
    index: Path
    steps: list[tuple[str, float, str]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """Total time of all steps."""
        return sum(s for _, s, _ in self.steps)


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _write_json(path: Path, payload: Any) -> None:
    private_write_text(
        path, json.dumps(jsonable(payload), indent=2, default=str, ensure_ascii=False)
    )


def run_demo(
    *,
    out_dir: str | Path = "avert-demo",
    database: str | Path = "avert-demo.db",
    seed: int = 0,
    people: int | None = None,
    days: int | None = None,
    pdf: bool = True,
    progress: ProgressFn | None = None,
) -> DemoReport:
    """Run the demo and return what it wrote and measured.

    Parameters
    ----------
    out_dir
        Report folder (replaced): ``index.html``, ``briefing/``, ``json/``, ``bundle/``.
    database
        SQLite file (replaced).
    seed
        Seed of the synthetic city.
    people, days
        Override the default city size (50,000 people, 730 days).
    pdf
        Also write the briefing PDF.
    progress
        Called with the name of each step as it starts.

    Everything the demo writes (database, report folder, bundle) is private like
    real outputs (:mod:`avert.files`): the demo shows what a deployment does.
    """
    with private_files():
        return _run_demo(
            out_dir=out_dir,
            database=database,
            seed=seed,
            people=people,
            days=days,
            pdf=pdf,
            progress=progress,
        )


class _Steps:
    """Runs the demo's steps in turn, saying each and recording its time and detail."""

    def __init__(self, progress: ProgressFn | None) -> None:
        self.done: list[tuple[str, float, str]] = []
        self._say = progress or (lambda _name: None)

    def __call__(
        self, name: str, fn: Callable[[], Any], detail: Callable[[Any], str]
    ) -> Any:
        self._say(name)
        start = time.perf_counter()
        value = fn()
        self.done.append((name, time.perf_counter() - start, detail(value)))
        return value


@dataclass
class _Analyses:
    """The results the demo writes as JSON and sets beside the city's truth."""

    results: dict[str, Any]
    risks: dict[str, Any]
    groups: Any
    retaliation: Any


def _run_demo(
    *,
    out_dir: str | Path,
    database: str | Path,
    seed: int,
    people: int | None,
    days: int | None,
    pdf: bool,
    progress: ProgressFn | None,
) -> DemoReport:
    out = Path(out_dir)
    db_path = Path(database)
    if out.exists():
        shutil.rmtree(out)
    private_mkdir(out / "json")
    _remove_database(db_path)
    step = _Steps(progress)
    config = CityConfig()
    if people is not None:
        config = dataclasses.replace(config, people=people)
    if days is not None:
        config = dataclasses.replace(config, days=days)
    city = step(
        "generate the synthetic city",
        lambda: make_city(config, seed=seed),
        lambda c: (
            f"{c.config.people:,} people, {c.incidents.height:,} incidents, "
            f"{c.config.days} days to {c.config.end_date}"
        ),
    )
    store = Store(f"sqlite:///{db_path.resolve()}")
    loaded, classified = _load_city(step, city, store, out / "bundle", db_path)
    _load_residents(step, city, store, out / "residents")
    at = dt.datetime.combine(city.config.end_date, dt.time(6, 0))
    found = _analyses(step, store, at)
    briefing = _plan_brief_and_board(step, store, at, out, pdf=pdf)
    _write_results(out / "json", found, loaded)
    figures = _figures(city, found.results, found.risks, found.retaliation)
    figures["stop_ratio_black"] = _stop_ratio(store, city, "Black")
    index = out / "index.html"
    private_write_text(
        index,
        render_html(
            "demo_index.html",
            city=city,
            at=at,
            steps=step.done,
            figures=figures,
            classified=classified,
            counts=store.counts(),
            briefing=briefing,
            groups=found.groups.to_json()["groups"][:15],
            offender_risk=found.risks["offender"][0].frame.head(15).to_dicts(),
            parts=list(found.risks["offender"][0].parts),
        ),
    )
    store.close()
    return DemoReport(out, db_path, index, step.done, figures)


def _load_city(
    step: _Steps, city: Any, store: Store, bundle: Path, db_path: Path
) -> tuple[Any, Any]:
    """Write the city's bundle, load it into a new database, classify, store groups.

    Returns the load's report and the classification's.
    """
    step(
        "write the record bundle",
        lambda: write_bundle(city, bundle),
        lambda _: str(bundle),
    )
    step("create the database", store.upgrade, lambda _: str(db_path))
    loaded = step(
        "load the bundle",
        lambda: load_files(store, [bundle], kind="bundle"),
        lambda r: (
            f"{r.loaded:,} rows loaded, {r.quarantined:,} quarantined, "
            f"{r.duplicates:,} duplicates"
        ),
    )
    classified = step(
        "classify violence (avb-2010) and harm",
        lambda: classify_store(store, profile="avb-2010"),
        lambda r: f"{r.in_definition:,} of {r.incidents:,} incidents in the definition",
    )
    step(
        "detect and store groups (as 'avert ingest' does)",
        lambda: refresh_detected_groups(store, profile="avb-2010"),
        lambda g: (
            f"{g.groups.height:,} groups as of {g.as_of:%d %b %Y}"
            if g.as_of
            else "none"
        ),
    )
    return loaded, classified


def _load_residents(step: _Steps, city: Any, store: Store, folder: Path) -> None:
    """The city's own residents per synthetic LSOA and their centroids
    (:mod:`avert.synth.residents`), loaded as 'avert ingest population' and
    'avert ingest centroids' load a census: the equality figures' denominators,
    named on every page as the synthetic city's residents, not a census."""
    residents, centroids = write_residents(city, folder)
    step(
        "load the city's residents (equality denominators)",
        lambda: (
            load_population(store, [residents], layout="simple", strict=True),
            load_centroids(store, [centroids], strict=True),
        ),
        lambda r: (
            f"{r[0].loaded:,} population rows of {city.residents.height:,} "
            f"residents, {r[1].loaded:,} LSOA centroids"
        ),
    )


def _analyses(step: _Steps, store: Store, at: dt.datetime) -> _Analyses:
    """Concentration, VOLT, the risk lists, groups and retaliation as of ``at``."""
    results: dict[str, Any] = {}
    entities: tuple[Entity, ...] = ("offender", "victim", "place")
    for entity in entities:
        results[f"concentration_{entity}"] = step(
            f"concentration of harm by {entity}",
            functools.partial(
                run_concentration,
                store,
                entity=entity,
                measure="harm",
                cell_size_m=250.0 if entity == "place" else None,
            ),
            lambda r: (
                f"top 20 % carry {r.top_shares['0.2']:.0%}; "
                f"generalised Gini {r.generalised_gini:.2f}"
            ),
        )
    results["volt"] = step(
        "VOLT profiles",
        lambda: run_volt(store, at=at),
        lambda _: "victims, offenders, places, times and overlaps",
    )
    risks: dict[str, Any] = {}
    kinds: tuple[RiskKind, ...] = ("offender", "victim", "asb")
    for kind in kinds:
        risks[kind] = step(
            f"{kind} risk",
            functools.partial(run_risk, store, kind=kind, at=at),
            lambda r: "; ".join(f"{x.kind}: {x.frame.height:,} scored" for x in r),
        )
    groups = step(
        "groups and the prioritisation matrix",
        lambda: groups_report(store, as_of=at),
        lambda g: f"{len(g.to_json()['groups'])} groups (detected and declared)",
    )
    retaliation = step(
        "retaliation alerts (last 7 days)",
        lambda: retaliation_report(store, since=at - dt.timedelta(days=7), until=at),
        lambda r: f"{len(r.to_json()['alerts'])} alerts",
    )
    return _Analyses(results, risks, groups, retaliation)


def _plan_brief_and_board(
    step: _Steps, store: Store, at: dt.datetime, out: Path, *, pdf: bool
) -> Any:
    """The plan and taskings, the briefing, the web accounts and the board pack.

    The plan and taskings come before the briefing (it shows the taskings);
    partner-audience outputs of the demo (the board pack) need a real key: a random
    one per run, never printed (pseudonyms change from run to run). Returns the
    briefing's result.
    """
    demo_settings = load_settings({}).with_overrides(
        pseudonym_key=secrets.token_urlsafe(32)
    )
    step(
        "delivery plan and a month of taskings",
        lambda: seed_demo_plan(store, demo_settings, at=at),
        lambda r: (
            f"{r['plan_rows']} plan rows, {r['actions']} actions on top-harm "
            f"subjects, {r['taskings']} taskings"
        ),
    )
    briefing = step(
        "daily briefing of the last day",
        lambda: run_briefing(store, at=at, out_dir=out / "briefing", pdf=pdf),
        lambda b: f"{b.html.name}" + (", PDF" if pdf else ""),
    )
    step(
        "web app accounts (one per role)",
        lambda: _demo_accounts(store),
        lambda names: ", ".join(names),
    )
    step(
        "board pack of the last month",
        lambda: board_pack(
            store,
            demo_settings,
            month=f"{at:%Y-%m}",
            out_dir=out / "board",
            pdf=pdf,
        ),
        lambda paths: ", ".join(p.name for p in paths),
    )
    return briefing


def _write_results(json_dir: Path, found: _Analyses, loaded: Any) -> None:
    """The JSON of every result (risk lists: their top 50) and of the load."""
    for name, result in found.results.items():
        _write_json(json_dir / f"{name}.json", result.to_dict())
    for risk_name, lists in found.risks.items():
        _write_json(
            json_dir / f"risk_{risk_name}.json",
            {"lists": [x.to_dict(top=50) for x in lists]},
        )
    _write_json(json_dir / "groups.json", found.groups.to_json())
    _write_json(json_dir / "retaliation.json", found.retaliation.to_json())
    _write_json(json_dir / "load.json", loaded.as_json())


#: The demo city's web password for every role's account. Published, so never a
#: secret: only the synthetic demo database holds these accounts.
DEMO_PASSWORD = "avert-demo-password"
_DEMO_ORGS = {"partner": "council", "board": "violence reduction board"}


def check_demo_store(store: Store) -> None:
    """Refuse to serve ``store`` as the demo unless it holds avert's synthetic city
    only: every record of every table that names its source (incidents, people,
    relationships, groups, ASB, stops, attendances, intelligence) from a synthetic
    bundle (source ``avert synthetic city ...``), or none at all.

    The demo relaxes what a deployment must set (a random session secret and
    pseudonym key per run) and tells visitors the published demo password; on a
    store with real records (``--demo`` with ``AVERT_DATABASE_URL`` or ``--db`` set to
    a force's database) that would serve real people under demo rules.

    Raises
    ------
    ConfigError
        Naming the other sources and what to run instead.
    """
    sources = {s for counts in record_sources(store).values() for s in counts}
    other = sorted(s for s in sources if not s.startswith(SOURCE_PREFIX))
    if other:
        msg = (
            "--demo serves avert's synthetic city only; this database also holds "
            f"records of {', '.join(other)}. Serve it with 'avert serve' "
            "(AVERT_SECRET_KEY and accounts from 'avert users add'), or run "
            "'avert serve --demo' without --db / AVERT_DATABASE_URL for avert-demo.db."
        )
        raise ConfigError(msg)


def demo_sign_in() -> str:
    """How to sign in to the demo city: the accounts (one per role) and the password."""
    others = ", ".join(r for r in ROLES if r != "chair")
    return (
        f"as chair (or {others}) with the demo password '{DEMO_PASSWORD}' "
        "(synthetic city only)"
    )


def _demo_accounts(store: Store) -> list[str]:
    """One web account per role in the demo database (password :data:`DEMO_PASSWORD`)."""
    for role in ROLES:
        add_user(
            store, role, password=DEMO_PASSWORD, role=role, org=_DEMO_ORGS.get(role)
        )
    return list(ROLES)


def _stop_ratio(store: Store, city: Any, group: str) -> dict[str, float] | None:
    """The ratio of ``group``'s search rate to the White rate over all the city's
    stops against its residents (:func:`run_equality`, as the Equality page
    computes it), its 95 % interval, and the ratio planted."""
    try:
        found = run_equality(store)
    except (NotFound, ConfigError):  # a city too small to have stopped anyone
        return None
    rows = found.force.frame.filter(pl.col("group") == group)
    if rows.height == 0 or rows["ratio_to_white"][0] is None:
        return None
    row = rows.row(0, named=True)
    return {
        "ratio": row["ratio_to_white"],
        "ci_low": row["ci_low"],
        "ci_high": row["ci_high"],
        "planted": city.truth.fields["stops"]["planted_ratios"][group],
    }


def _figures(
    city: Any, results: dict[str, Any], risks: dict[str, Any], retaliation: Any
) -> dict[str, Any]:
    """Measured figures beside the planted truth of the city."""
    truth = city.truth.fields
    top50 = set(risks["offender"][0].frame.head(50)["person_id"].to_list())
    planted = set(truth["high_rate_offenders"])
    alerts = retaliation.to_json()["alerts"]
    return {
        "offender_top20_harm_share": results["concentration_offender"].top_shares[
            "0.2"
        ],
        "planted_top20_harm_share": truth["top20_offender_harm_share"],
        "place_top20_harm_share": results["concentration_place"].top_shares["0.2"],
        "victim_top20_harm_share": results["concentration_victim"].top_shares["0.2"],
        "high_rate_in_top50": len(top50 & planted) / max(1, min(50, len(planted))),
        "n_high_rate_planted": len(planted),
        "n_alerts_last_7_days": len(alerts),
    }
