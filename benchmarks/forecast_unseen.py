"""Does the default forecaster beat counting on cities it was not chosen on? (issue 16)

An owner's independent evaluation loop, not avert's ``evaluate_days``: the events
are a Polars frame (``x``, ``y`` in metres, ``occurred_at``), the grid follows the
protocol of ``docs/places.md`` (origin ``floor(min x), floor(min y)``, ``floor((max
- origin) / s) + 1`` cells an axis), each test day ``d`` the default is called
through ``forecast_grid`` on the events of ``[d - 365 days, d)`` (or on every event
before ``d``) and predicts at ``d 00:00``; the counting grid is this file's own
``np.bincount`` of the same events. For each coverage ``c`` of 1, 2, 5 and 10 % the
top ``floor(N c)`` cells of the basis (``bbox``: every cell; ``active``: cells with
an event in the whole data) are kept, ties broken towards the highest row-major
index, by this file's own sort. Reported: event-weighted hit rate per model, the
default minus counting with a 95 % interval from 2,000 resamples of the test days,
and the median CPU seconds a day of the default's ``forecast_grid`` call.

Cities: five synthetic ones of this file's seeded generator (a sparse rural force,
day-resolution times, strong season and weekday effects, single-cell stable
hotspots, exact repeats; 2019-01-01 .. 2021-03-31, test days 2021 Q1), and, when
``../shared/data`` is present: Toronto's five MCI categories on 2021-04 .. 2021-12
(every 3rd day; no figure had been taken on those days; assaults at 150 and 250 m),
auto thefts and thefts over $5,000 on 2021 Q1 (the days ``docs/places.md`` reports,
a check of this loop against them) and every 3rd day of 2020, and two forces' stop
and searches of 2019-01 (police.uk, EPSG:27700; a short history: days 15-31, each
trained on every search before it). South Yorkshire's stop and searches 2019-2021
are read and skipped with the reason printed: none of their 46,655 rows has a
location. ``--check-cli`` also runs ``avert forecast evaluate --events-file`` on the
first synthetic city and compares its per-day hits, counting and default, with this
loop's, day by day.

Run: ``.venv/bin/python benchmarks/forecast_unseen.py [--only synthetic|real]
[--cases rural,dayres,season,single,repeats] [--train 365,all] [--check-cli]``
(about 15 minutes of one core for all of it).
"""

from __future__ import annotations

from harness import single_threaded

single_threaded()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402
import polars as pl  # noqa: E402

from avert.analyse.forecast import forecast_grid  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
for _up in Path(__file__).resolve().parents:  # a worktree's shared data sits higher up
    if (_up / "shared" / "data").is_dir():
        SHARED = _up / "shared"
        break
PCT = (1, 2, 5, 10)
DAY_US = 86_400_000_000
REPS = 2_000


@dataclass(frozen=True)
class Case:
    """A city: its events (time-sorted), cell size and test days."""

    label: str
    frame: pl.DataFrame
    cell_m: float
    days: list[dt.date]


@dataclass(frozen=True)
class Layout:
    """The protocol's grid over a case's events, each event's flat cell, the basis."""

    origin: tuple[float, float]
    shape: tuple[int, int]
    cell: npt.NDArray[np.int64]
    t_us: npt.NDArray[np.int64]
    active: npt.NDArray[np.int64]


def layout(case: Case) -> Layout:
    """Grid over every event (docs/places.md "Evaluation"), cells and times."""
    x = case.frame["x"].to_numpy()
    y = case.frame["y"].to_numpy()
    x0, y0 = float(np.floor(x.min())), float(np.floor(y.min()))
    nx = int(np.floor((x.max() - x0) / case.cell_m)) + 1
    ny = int(np.floor((y.max() - y0) / case.cell_m)) + 1
    col = np.floor((x - x0) / case.cell_m).astype(np.int64)
    row = np.floor((y - y0) / case.cell_m).astype(np.int64)
    cell = row * nx + col
    t_us = case.frame["occurred_at"].cast(pl.Datetime("us")).cast(pl.Int64).to_numpy()
    return Layout((x0, y0), (ny, nx), cell, t_us, np.unique(cell))


def top(
    risk: npt.NDArray[np.float64], basis: npt.NDArray[np.int64], k: int
) -> npt.NDArray[np.int64]:
    """The ``k`` cells of ``basis`` of highest risk, ties to the highest flat index."""
    order = np.lexsort((-basis, -risk[basis]))  # last key first: risk down, index down
    return basis[order[:k]]


def hits_of(
    risk: npt.NDArray[np.float64], test: npt.NDArray[np.int64], lay: Layout
) -> list[int]:
    """Hits at 1/2/5/10 % of bbox, then of active cells."""
    out: list[int] = []
    n_cells = lay.shape[0] * lay.shape[1]
    for basis in (np.arange(n_cells, dtype=np.int64), lay.active):
        for p in PCT:
            chosen = np.zeros(n_cells, dtype=bool)
            chosen[top(risk, basis, basis.size * p // 100)] = True
            out.append(int(chosen[test].sum()))
    return out


def run_case(case: Case, train: str) -> dict[str, npt.NDArray[np.float64]]:
    """Per-day test events, hits of default and counting, default's CPU seconds.

    ``train``: ``"365"`` (the protocol) or ``"all"`` (every event before the day)."""
    lay = layout(case)
    n_cells = lay.shape[0] * lay.shape[1]
    rows_d, rows_c, n_test, cpu = [], [], [], []
    for day in case.days:
        d_us = (
            int(
                (np.datetime64(day, "D") - np.datetime64("1970-01-01", "D")).astype(int)
            )
            * DAY_US
        )
        lo = (
            0 if train == "all" else int(np.searchsorted(lay.t_us, d_us - 365 * DAY_US))
        )
        hi = int(np.searchsorted(lay.t_us, d_us))
        end = int(np.searchsorted(lay.t_us, d_us + DAY_US))
        test = lay.cell[hi:end]
        at = dt.datetime(day.year, day.month, day.day)
        c0 = time.thread_time()
        risk = forecast_grid(
            case.frame.slice(lo, hi - lo),
            origin_xy=lay.origin,
            cell_size_m=case.cell_m,
            shape=lay.shape,
            at=at,
            model="default",
        )
        cpu.append(time.thread_time() - c0)
        count = np.bincount(lay.cell[lo:hi], minlength=n_cells).astype(np.float64)
        rows_d.append(hits_of(np.asarray(risk, dtype=np.float64).ravel(), test, lay))
        rows_c.append(hits_of(count, test, lay))
        n_test.append(test.size)
    return {
        "n": np.asarray(n_test, dtype=np.float64),
        "default": np.asarray(rows_d, dtype=np.float64),
        "counting": np.asarray(rows_c, dtype=np.float64),
        "cpu": np.asarray(cpu),
    }


def diff_interval(
    n: npt.NDArray[np.float64], a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> tuple[float, float, float]:
    """Event-weighted a - b and its 95 % interval from resampling the days."""
    rng = np.random.default_rng(16)
    idx = rng.integers(0, n.size, size=(REPS, n.size))
    d = (a[idx].sum(1) - b[idx].sum(1)) / n[idx].sum(1)
    lo, hi = np.quantile(d, [0.025, 0.975])
    return float((a.sum() - b.sum()) / n.sum()), float(lo), float(hi)


COLUMNS = [f"{b} {p} %" for b in ("bbox", "active") for p in PCT]


def report(case: Case, train: str, r: dict[str, npt.NDArray[np.float64]]) -> None:
    """Print one case's hit rates, differences with intervals and CPU seconds."""
    n = r["n"]
    lay_cells = layout(case)
    print(
        f"\n### {case.label}, training {train}: {len(case.days)} days, "
        f"{int(n.sum())} test events, {lay_cells.shape[0]} x {lay_cells.shape[1]} "
        f"cells of {case.cell_m:g} m, {lay_cells.active.size} active; default CPU "
        f"s/day median {np.median(r['cpu']):.3f} (max {r['cpu'].max():.3f})"
    )
    print("| column | counting | default | default - counting [95 %] |")
    print("|---|---|---|---|")
    for j, col in enumerate(COLUMNS):
        hd, hc = r["default"][:, j], r["counting"][:, j]
        d, lo, hi = diff_interval(n, hd, hc)
        flag = " **behind**" if hi < 0 else (" behind" if d < 0 else "")
        print(
            f"| {col} | {hc.sum() / n.sum():.4f} | {hd.sum() / n.sum():.4f} "
            f"| {d:+.4f} [{lo:+.4f}, {hi:+.4f}]{flag} |",
            flush=True,
        )


# --- synthetic cities (seeded) -------------------------------------------------

START = dt.date(2019, 1, 1)
END = dt.date(2021, 4, 1)  # exclusive; test days 2021-01-01 .. 2021-03-31
TEST = [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(90)]


def _frame(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], t_us: npt.NDArray[np.int64]
) -> pl.DataFrame:
    f = pl.DataFrame({"x": x, "y": y, "occurred_at": t_us})
    f = f.with_columns(pl.col("occurred_at").cast(pl.Datetime("us")))
    return f.sort("occurred_at")


def _day_index() -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64]
]:
    """Each day of the span: its start in µs, its day of year (0-1) and weekday."""
    n = (END - START).days
    days = np.arange(n)
    start_us = (np.datetime64(START, "D") - np.datetime64("1970-01-01", "D")).astype(
        np.int64
    ) * DAY_US
    t0 = start_us + days * DAY_US
    dates = np.datetime64(START, "D") + days
    doy = (dates - dates.astype("datetime64[Y]")).astype(int) / 365.25
    weekday = ((dates.astype(np.int64) + 3) % 7).astype(np.int64)  # 0 Monday
    return t0, doy, weekday


def _hotspots(
    rng: np.random.Generator, side_m: float, k: int, alpha: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    centre = rng.uniform(0.05 * side_m, 0.95 * side_m, (k, 2))
    weight = rng.pareto(alpha, k) + 0.1
    return centre, weight / weight.sum()


def _place(
    rng: np.random.Generator,
    n: int,
    side_m: float,
    centre: npt.NDArray[np.float64],
    weight: npt.NDArray[np.float64],
    sd_m: float,
    uniform_share: float,
) -> npt.NDArray[np.float64]:
    xy = centre[rng.choice(len(weight), n, p=weight)] + rng.normal(0, sd_m, (n, 2))
    flat = rng.random(n) < uniform_share
    xy[flat] = rng.uniform(0, side_m, (int(flat.sum()), 2))
    return np.clip(xy, 0, side_m - 1e-6)


def sparse_rural(seed: int = 101) -> Case:
    """5-20 events a day on 400 x 400 cells of 100 m: 40 villages, 45 % anywhere."""
    rng = np.random.default_rng(seed)
    t0, _, _ = _day_index()
    per_day = rng.integers(5, 21, t0.size)
    t = np.repeat(t0, per_day) + rng.integers(0, DAY_US, int(per_day.sum()))
    side = 40_000.0
    centre, w = _hotspots(rng, side, 40, 1.5)
    xy = _place(rng, t.size, side, centre, w, 250.0, 0.45)
    return Case(
        "synthetic sparse rural (5-20 a day, 400 x 400 x 100 m)",
        _frame(xy[:, 0] + 400_000, xy[:, 1] + 300_000, t),
        100.0,
        TEST,
    )


def _city_times(
    rng: np.random.Generator,
    per_day_mean: float,
    rate: npt.NDArray[np.float64],
    t0: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    counts = rng.poisson(per_day_mean * rate)
    day = np.repeat(np.arange(t0.size), counts)
    return day, t0[day] + rng.integers(0, DAY_US, day.size)


def day_resolution(seed: int = 102) -> Case:
    """40 a day, 300 Pareto hotspots, every time at 00:00 (records of the day only)."""
    rng = np.random.default_rng(seed)
    t0, _, _ = _day_index()
    day, _ = _city_times(rng, 40.0, np.ones(t0.size), t0)
    side = 30_000.0
    centre, w = _hotspots(rng, side, 300, 1.2)
    xy = _place(rng, day.size, side, centre, w, 250.0, 0.3)
    return Case(
        "synthetic day-resolution times (40 a day, all 00:00)",
        _frame(xy[:, 0], xy[:, 1], t0[day]),
        150.0,
        TEST,
    )


def season_weekday(seed: int = 103) -> Case:
    """Summer twice winter, weekends busier; parks peak in summer, bars at weekends."""
    rng = np.random.default_rng(seed)
    t0, doy, weekday = _day_index()
    side = 30_000.0
    summer = 1.0 + 0.5 * (1 - np.cos(2 * np.pi * (doy - 0.04)))  # 1 (Jan) .. 2 (Jul)
    weekend = np.where(weekday >= 4, 1.8, 0.8)  # Fri-Sun
    parts = [  # (mean a day, daily rate, hotspots)
        (15.0, np.ones(t0.size), _hotspots(rng, side, 200, 1.3)),
        (8.0, summer**2, _hotspots(rng, side, 40, 1.3)),  # parks
        (10.0, weekend**2 * 0.7, _hotspots(rng, side, 30, 1.3)),  # night-time economy
    ]
    xs, ys, ts = [], [], []
    for mean, rate, (centre, w) in parts:
        day, t = _city_times(rng, mean, rate * summer, t0)
        xy = _place(rng, day.size, side, centre, w, 200.0, 0.2)
        xs.append(xy[:, 0])
        ys.append(xy[:, 1])
        ts.append(t)
    return Case(
        "synthetic season x2 and weekday (parks in summer, bars at weekends)",
        _frame(np.concatenate(xs), np.concatenate(ys), np.concatenate(ts)),
        150.0,
        TEST,
    )


def single_cells(seed: int = 104) -> Case:
    """Stable hotspots that are single 150 m cells (85 % of events), 15 % anywhere."""
    rng = np.random.default_rng(seed)
    t0, _, _ = _day_index()
    _, t = _city_times(rng, 40.0, np.ones(t0.size), t0)
    cell_m, side = 150.0, 30_000.0
    k = 500
    corner = rng.integers(0, int(side / cell_m), (k, 2)) * cell_m
    w = rng.pareto(1.2, k) + 0.1
    pick = rng.choice(k, t.size, p=w / w.sum())
    xy = corner[pick] + rng.uniform(0, cell_m, (t.size, 2))
    flat = rng.random(t.size) < 0.15
    xy[flat] = rng.uniform(0, side, (int(flat.sum()), 2))
    return Case(
        "synthetic stable single-cell hotspots (500 cells, 85 %)",
        _frame(xy[:, 0], xy[:, 1], t),
        cell_m,
        TEST,
    )


def exact_repeats(seed: int = 105) -> Case:
    """Half the events exact repeats (same point) of another 1-3 days after it."""
    rng = np.random.default_rng(seed)
    t0, _, _ = _day_index()
    _, t = _city_times(rng, 20.0, np.ones(t0.size), t0)
    side = 30_000.0
    centre, w = _hotspots(rng, side, 300, 1.2)
    xy = _place(rng, t.size, side, centre, w, 300.0, 0.3)
    later = (
        t
        + rng.integers(1, 4, t.size) * DAY_US
        + rng.integers(-DAY_US // 4, DAY_US // 4, t.size)
    )
    keep = later < t0[-1] + DAY_US
    x = np.concatenate([xy[:, 0], xy[keep, 0]])
    y = np.concatenate([xy[:, 1], xy[keep, 1]])
    return Case(
        "synthetic exact repeats (half the events, same point, 1-3 days on)",
        _frame(x, y, np.concatenate([t, later[keep]])),
        150.0,
        TEST,
    )


SYNTHETIC: dict[str, Callable[[], Case]] = {
    "rural": sparse_rural,
    "dayres": day_resolution,
    "season": season_weekday,
    "single": single_cells,
    "repeats": exact_repeats,
}


# --- real cities -----------------------------------------------------------------


def south_yorkshire() -> pl.DataFrame | None:
    """South Yorkshire's located stop and searches 2019-2021 in EPSG:27700, local
    times; None when the files are absent."""
    from pyproj import Transformer

    folder = SHARED / "data" / "police-uk-stop-and-search-south-yorkshire-2019-2021"
    files = sorted(folder.glob("*.csv"))
    if not files:
        return None
    f = pl.concat(
        pl.read_csv(p, infer_schema_length=0).select("Date", "Latitude", "Longitude")
        for p in files
    ).drop_nulls(["Latitude", "Longitude", "Date"])
    tr = Transformer.from_crs(4326, 27700, always_xy=True)
    x, y = tr.transform(
        f["Longitude"].cast(pl.Float64).to_numpy(),
        f["Latitude"].cast(pl.Float64).to_numpy(),
    )
    when = (
        f["Date"]
        .str.to_datetime(time_zone="UTC")
        .dt.convert_time_zone("Europe/London")
        .dt.replace_time_zone(None)
    )
    out = pl.DataFrame({"x": x, "y": y, "occurred_at": when})
    # South Yorkshire's box: leaves out the few searches placed far outside the force
    return out.filter(
        pl.col("x").is_between(405_000, 480_000)
        & pl.col("y").is_between(375_000, 425_000)
    ).sort("occurred_at")


def toronto(category: str) -> pl.DataFrame | None:
    """One Toronto MCI category in EPSG:32617, times to the hour."""
    from pyproj import Transformer

    csv = (
        SHARED
        / "data"
        / "incidents-toronto-major-crime-indicators-2017-2021"
        / "toronto-mci-2017-2021.csv"
    )
    if not csv.exists():
        return None
    f = pl.read_csv(csv).filter(pl.col("mci_category") == category)
    tr = Transformer.from_crs(4326, 32617, always_xy=True)
    x, y = tr.transform(f["longitude"].to_numpy(), f["latitude"].to_numpy())
    out = f.select(
        x=pl.Series(x),
        y=pl.Series(y),
        occurred_at=pl.col("occurrence_date").str.to_date().cast(pl.Datetime("us"))
        + pl.duration(hours=pl.col("occurrence_hour")),
    )
    return out.sort("occurred_at")


def police_uk_month(force: str) -> pl.DataFrame | None:
    """One force's located stop and searches of 2019-01 (police.uk) in EPSG:27700."""
    from pyproj import Transformer

    folder = SHARED / "data" / "police-uk-stop-and-search-2019-01-all-forces"
    path = folder / f"2019-01-{force}-stop-and-search.csv"
    if not path.exists():
        return None
    f = pl.read_csv(path, infer_schema_length=0).drop_nulls(["Latitude", "Longitude"])
    tr = Transformer.from_crs(4326, 27700, always_xy=True)
    x, y = tr.transform(
        f["Longitude"].cast(pl.Float64).to_numpy(),
        f["Latitude"].cast(pl.Float64).to_numpy(),
    )
    when = (
        f["Date"]
        .str.to_datetime(time_zone="UTC")
        .dt.convert_time_zone("Europe/London")
        .dt.replace_time_zone(None)
    )
    out = pl.DataFrame({"x": x, "y": y, "occurred_at": when})
    med_x, med_y = float(np.median(x)), float(np.median(y))
    near = (pl.col("x") - med_x).abs().lt(40_000) & (pl.col("y") - med_y).abs().lt(
        40_000
    )
    return out.filter(near).sort("occurred_at")  # strays placed far outside the force


def real_cases() -> list[Case]:
    """The real cities, or none (with the reason printed) without ../shared/data."""
    if not (SHARED / "data").is_dir():
        print(f"real cities skipped: no data under {SHARED / 'data'}")
        return []
    sy = south_yorkshire()
    if sy is None or sy.height == 0:
        print(
            "South Yorkshire's stop and searches skipped: "
            + (
                "the files are absent"
                if sy is None
                else "no search in them has a location"
            )
        )
    cases: list[Case] = []
    rest = [dt.date(2021, 4, 1) + dt.timedelta(days=i) for i in range(0, 275, 3)]
    q1 = [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(90)]
    y2020 = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(0, 366, 3)]
    for cat in ("Assault", "Robbery", "Break and Enter", "Auto Theft", "Theft Over"):
        f = toronto(cat)
        if f is None:
            continue
        cases.append(
            Case(f"Toronto {cat}, 2021-04..12 (every 3rd day)", f, 150.0, rest)
        )
        if cat == "Assault":
            cases.append(
                Case(f"Toronto {cat}, 2021-04..12 (every 3rd day)", f, 250.0, rest)
            )
        if cat in ("Auto Theft", "Theft Over"):
            cases.append(
                Case(f"Toronto {cat}, 2021 Q1 (the reported days)", f, 150.0, q1)
            )
            label = f"Toronto {cat}, 2020 (every 3rd day, a second look)"
            cases.append(Case(label, f, 150.0, y2020))
    jan = [dt.date(2019, 1, 15) + dt.timedelta(days=i) for i in range(17)]
    for force in ("merseyside", "west-midlands"):
        f = police_uk_month(force)
        if f is not None:
            label = f"{force} stop and search 2019-01 (short history: 14-30 days)"
            cases.append(Case(label, f, 150.0, jan))
    return cases


# --- agreement with `avert forecast evaluate --events-file` ---------------------


def check_cli(case: Case) -> None:
    """Run the CLI on the case's events and compare its per-day hits with this loop's."""
    r = run_case(case, "365")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "events.csv"
        per_day = Path(tmp) / "hits.csv"
        case.frame.with_columns(
            pl.col("occurred_at").dt.strftime("%Y-%m-%dT%H:%M:%S%.f")
        ).write_csv(path)
        cmd = [
            sys.executable,
            "-m",
            "avert",
            "forecast",
            "evaluate",
            "--events-file",
            str(path),
            "--models",
            "counting,default",
            "--from",
            case.days[0].isoformat(),
            "--days",
            str(len(case.days)),
            "--cell",
            f"{case.cell_m:g}",
            "--per-day",
            str(per_day),
        ]
        subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=tmp)
        cli = pl.read_csv(per_day)
    print(f"\n### CLI check on {case.label}: columns {cli.columns}")
    for model in ("counting", "default"):
        part = cli.filter(pl.col("model") == model) if "model" in cli.columns else cli
        names = [f"hits_{b}_{p}" for b in ("bbox", "active") for p in PCT]
        theirs = part.select(names).to_numpy().astype(np.float64)
        same = theirs.shape == r[model].shape and bool((theirs == r[model]).all())
        print(
            f"- {model}: per-day hits equal in all {len(case.days)} days x 8 columns: {same}"
        )
        if not same:
            print(f"  sums CLI {theirs.sum(0)} against this loop {r[model].sum(0)}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("synthetic", "real", "both"), default="both")
    ap.add_argument(
        "--cases", default="", help="synthetic case keys: " + ",".join(SYNTHETIC)
    )
    ap.add_argument("--train", default="365,all")
    ap.add_argument("--check-cli", action="store_true")
    ap.add_argument(
        "--max-days", type=int, default=0, help="a quick look: first N days"
    )
    args = ap.parse_args()
    forecast_grid(
        pl.DataFrame(
            {"x": [1.0], "y": [1.0], "occurred_at": [dt.datetime(2020, 1, 1)]}
        ),
        origin_xy=(0, 0),
        cell_size_m=10,
        shape=(1, 1),
        at="2020-01-02",
    )  # warm-up
    cases: list[Case] = []
    if args.only in ("synthetic", "both"):
        keys = args.cases.split(",") if args.cases else list(SYNTHETIC)
        cases += [SYNTHETIC[k]() for k in keys]
    if args.only in ("real", "both"):
        cases += real_cases()
    if args.max_days:
        cases = [
            Case(c.label, c.frame, c.cell_m, c.days[: args.max_days]) for c in cases
        ]
    if args.check_cli:
        check_cli(cases[0] if cases else day_resolution())
    for case in cases:
        for train in args.train.split(","):
            report(case, train, run_case(case, train))


if __name__ == "__main__":
    main()
