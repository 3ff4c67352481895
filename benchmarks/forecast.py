"""Next-day place forecasts: every avert model on the reference protocol (Toronto)
and on a synthetic city.

Protocol (``../shared/reference/forecast-toronto/README.md``, exact): Toronto Police
Service assaults 2017-2021 projected to EPSG:32617, 150 m grid over all kept events,
test days 2021-01-01 .. 2021-03-31, training events ``[d - 365 days, d)``, prediction at
``d 00:00``, event-weighted hit rate at 1/2/5/10 % of the bbox and the active cells,
PAI, open_cp's tie rule. The ``counting`` rows are checked against open_cp's per-day
hits. Seconds: median wall clock and median CPU time of the thread per day (the
machine may be shared; CPU time is then the fair figure, and the speed-up uses it).
For the default model, a 95 % interval for its hit-rate difference to the
counting grid is computed by resampling test days (2,000 bootstrap resamples,
seeded). Seconds are fit + predict per day, single-threaded.

``--validation`` runs the same protocol on 90 days of 2020 (every 4th day from
2020-01-02): the period the default model's settings were chosen on.
``--long-validation`` runs it on every day from 2019-07-01 to 2020-12-31 (549 days,
all before the test period): six times the days, so differences of a few
thousandths (the size of every candidate's gain) are not read from noise.

``--london-stop-search`` adds London's stop and searches of 2018 H1 (police.uk), each
April-June day trained on every search before it: a short history, another city and
process.

A second check that nothing is tuned to Toronto: a synthetic city of avert's
generator (``avert.synth.make_city``, 200,000 residents, three years, every incident),
250 m cells, test days the last 90 days, training the 365 days before each.

Run: ``.venv/bin/python benchmarks/forecast.py [--validation] [--models a,b]``.
A model name may carry its training window: ``default@all`` (every event before the
day), ``default@120`` (the last 120 days: a force with a short history, compared
with ``counting@120``).
"""

from __future__ import annotations

from harness import single_threaded

single_threaded()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from pyproj import Transformer  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from avert.analyse.forecast import (  # noqa: E402
    Events,
    Grid,
    evaluate_days,
    make_model,
    summarise,
)
from forecast_toronto import TORONTO_CSV, TORONTO_REF, toronto_events  # noqa: E402

SHARED = REPO.parent / "shared"
OPENCP = {  # the reference README's table: (bbox 1,2,5,10 %), (active 1,2,5,10 %), s/day
    "counting": ((0.425, 0.563, 0.733, 0.835), (0.176, 0.246, 0.394, 0.522), 0.004),
    "retro": ((0.362, 0.485, 0.678, 0.807), (0.158, 0.224, 0.363, 0.492), 2.62),
    "pro": ((0.216, 0.306, 0.472, 0.612), (0.096, 0.143, 0.231, 0.348), 1.73),
    "sepp": ((0.432, 0.574, 0.740, 0.846), (0.165, 0.257, 0.394, 0.533), 15.8),
}
# "@all": trained on every event before the day instead of the protocol's 365 days
MODELS = ("counting", "retro", "pro", "sepp", "blend", "default", "default@all")
COVER = (0.01, 0.02, 0.05, 0.10)


def synthetic() -> tuple[Events, Grid, np.ndarray, list[dt.date]]:
    """A synthetic city's incidents (x, y in EPSG:27700), 250 m grid, last 90 days."""
    from avert.synth import CityConfig, make_city

    city = make_city(CityConfig(people=200_000, days=3 * 365), seed=1)
    f = city.incidents.rename({"occurred_from": "occurred_at"}).drop_nulls(["x", "y"])
    grid = Grid.covering(f["x"].to_numpy(), f["y"].to_numpy(), 250.0)
    ev = Events.from_frame(f, grid)
    active = np.zeros(grid.n_cells, dtype=bool)
    active[ev.cell] = True
    last = dt.date.fromtimestamp(0) + dt.timedelta(days=int(ev.t.max()))
    days = [last - dt.timedelta(days=89 - i) for i in range(90)]
    return ev, grid, active, days


def london_stop_search() -> tuple[Events, Grid, np.ndarray, list[dt.date]] | None:
    """London's stop and searches of 2018 H1 (police.uk: the Met and the City), the
    located ones projected to EPSG:27700, 150 m grid; test days April to June, each
    trained on every search before it (three to six months: a short history). Not
    violence and not Toronto: a check on another city and process, no choice made on
    the test figures. None when the files are absent."""
    folder = SHARED / "data" / "police-uk-stop-and-search-london-2018-h1"
    files = sorted(folder.glob("*.csv"))
    if not files:
        return None
    f = pl.concat(
        pl.read_csv(p, infer_schema_length=0).select("Date", "Latitude", "Longitude")
        for p in files
    ).drop_nulls(["Latitude", "Longitude"])
    tr = Transformer.from_crs(4326, 27700, always_xy=True)
    x, y = tr.transform(
        f["Longitude"].cast(pl.Float64).to_numpy(),
        f["Latitude"].cast(pl.Float64).to_numpy(),
    )
    f = pl.DataFrame(
        {
            "x": x,
            "y": y,
            "occurred_at": f["Date"]
            .str.to_datetime(time_zone="UTC")
            .dt.convert_time_zone("Europe/London")
            .dt.replace_time_zone(None),
        }
    ).filter(  # Greater London's box: drops the few points placed far outside it
        pl.col("x").is_between(490_000, 570_000)
        & pl.col("y").is_between(150_000, 210_000)
    )
    grid = Grid.covering(f["x"].to_numpy(), f["y"].to_numpy(), 150.0)
    ev = Events.from_frame(f, grid)
    active = np.zeros(grid.n_cells, dtype=bool)
    active[ev.cell] = True
    days = [dt.date(2018, 4, 1) + dt.timedelta(days=i) for i in range(91)]
    return ev, grid, active, days


def opencp_best(cover: tuple[float, ...], *, with_sepp: bool) -> dict[str, list[float]]:
    """open_cp's best hit rate per basis and coverage on the 90 days: exact, from its
    per-day hits (counting, retro, pro). ``with_sepp`` also takes the README's SEPP
    figure + 0.0005 (the largest value its 3 decimals stand for), though SEPP's row
    covers only 18 of the days (:func:`on_sepp_days`)."""
    ref = pl.read_csv(TORONTO_REF) if TORONTO_REF.exists() else None
    best: dict[str, list[float]] = {"bbox": [], "active": []}
    for i, c in enumerate(cover):
        for b, basis in enumerate(("bbox", "active")):
            values = []
            for name, figures in OPENCP.items():
                rows = None if ref is None else ref.filter(pl.col("predictor") == name)
                col = f"hits_{basis}_{round(c * 100)}"
                if rows is not None and rows.height and col in rows.columns:
                    values.append(float(rows[col].sum() / rows["n_test"].sum()))
                elif with_sepp or ref is None:
                    values.append(figures[b][i] + 0.0005)
            best[basis].append(max(values))
    return best


def hit_rate(summary: pl.DataFrame, basis: str, coverage: float) -> float:
    """The hit rate of a :func:`summarise` table on one basis at one coverage."""
    row = summary.filter((pl.col("basis") == basis) & (pl.col("coverage") == coverage))
    return float(row["hit_rate"][0])


def hit_rate_cells(summary: pl.DataFrame) -> list[str]:
    """The table cells ``bbox / active`` of the hit rate, one per coverage of COVER."""
    return [
        f"{hit_rate(summary, 'bbox', c):.3f} / {hit_rate(summary, 'active', c):.3f}"
        for c in COVER
    ]


def bootstrap_diff(
    a: pl.DataFrame, b: pl.DataFrame, col: str, reps: int = 2000
) -> tuple[float, float, float]:
    """Event-weighted hit-rate difference a - b and its 95 % day-resampling interval."""
    n = a["n_test"].to_numpy().astype(float)
    ha = a[col].to_numpy().astype(float)
    hb = b[col].to_numpy().astype(float)
    rng = np.random.default_rng(20210101)
    idx = rng.integers(0, n.size, size=(reps, n.size))
    d = (ha[idx].sum(1) - hb[idx].sum(1)) / n[idx].sum(1)
    return float((ha.sum() - hb.sum()) / n.sum()), *np.quantile(d, [0.025, 0.975])


def _train_days(hist: str) -> float | None:
    """A model label's ``@`` part: none, 365 days (the protocol); ``all``, every
    event before the day; a number, that many days (a force with a short history)."""
    if hist == "all":
        return None
    return float(hist) if hist else 365.0


def _window_params(name: str, hist: str) -> dict[str, float | None]:
    """The counting grid keeps its own 365-day window unless told otherwise: a
    label's ``@`` part sets it too, so ``counting@all`` counts every event given."""
    return {"window_days": _train_days(hist)} if name == "counting" and hist else {}


def run(
    label: str,
    ev: Events,
    grid: Grid,
    active: np.ndarray,
    days: list[dt.date],
    models: list[str],
    *,
    compare: bool,
) -> dict[str, pl.DataFrame]:
    print(f"\n## {label}: {len(days)} days, {grid.shape[0]} x {grid.shape[1]} cells")
    print(
        "| model | HR 1 % | HR 2 % | HR 5 % | HR 10 % | PAI 5 % (bbox) | s/day "
        "| CPU s/day | open_cp s/day | speed-up (CPU) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    out: dict[str, pl.DataFrame] = {}
    for label_ in models:
        name, _, hist = label_.partition("@")
        per_day = evaluate_days(
            lambda g, name=name, hist=hist: make_model(
                name, g, **_window_params(name, hist)
            ),
            ev,
            grid,
            days,
            active=active,
            train_days=_train_days(hist),
        )
        out[label_] = per_day
        s = summarise(per_day)
        cells = hit_rate_cells(s)
        pai = s.filter((pl.col("basis") == "bbox") & (pl.col("coverage") == 0.05))
        sec = float(per_day["fit_predict_s"].median())
        cpu = float(per_day["fit_predict_cpu_s"].median())
        ref = OPENCP.get(name) if compare and not hist else None
        ref_s = f"{ref[2]}" if ref else "-"
        speed = f"{ref[2] / max(cpu, 1e-6):.0f}x" if ref else "-"
        print(
            f"| {label_} | {' | '.join(cells)} | {pai['pai'][0]:.2f} | {sec:.4f} "
            f"| {cpu:.4f} | {ref_s} | {speed} |",
            flush=True,
        )
    for a in [m for m in out if m.partition("@")[0] == "default"]:
        hist = a.partition("@")[2]
        base = f"counting@{hist}" if f"counting@{hist}" in out else "counting"
        if base not in out:
            continue
        print(f"\n{a} minus {base}: hit rate, 95 % day bootstrap:")
        for basis in ("bbox", "active"):
            for c in COVER:
                col = f"hits_{basis}_{round(c * 100)}"
                d, lo, hi = bootstrap_diff(out[a], out[base], col)
                print(f"- {basis} {round(c * 100)} %: {d:+.4f} [{lo:+.4f}, {hi:+.4f}]")
    return out


def on_sepp_days(out: dict[str, pl.DataFrame], days: list[dt.date]) -> None:
    """Hit rates on the 18 test days open_cp's SEPP was run on, beside its figures.

    open_cp's README gives SEPP's figures for 18 of the 90 days without naming them.
    The counting grid's hits on every fifth day from 2021-01-01 (18 days) match
    SEPP's figures to within 0.002 in all eight columns (its fitted trigger share was
    about 0.01: nearly the count), and the first or last 18 days do not; so SEPP's
    row is read as those days', and the models are compared with it on them.
    """
    sepp_days = days[::5]
    print(
        f"\n## On SEPP's 18 days (every fifth day from {sepp_days[0]}): hit rate "
        "bbox / active"
    )
    print("| model | HR 1 % | HR 2 % | HR 5 % | HR 10 % |")
    print("|---|---|---|---|---|")
    bbox, active = OPENCP["sepp"][0], OPENCP["sepp"][1]
    figures = [f"{b:.3f} / {a:.3f}" for b, a in zip(bbox, active, strict=True)]
    print(f"| open_cp sepp (README) | {' | '.join(figures)} |")
    for label_, per_day in out.items():
        s = summarise(per_day.filter(pl.col("day").is_in(sepp_days)))
        print(f"| {label_} | {' | '.join(hit_rate_cells(s))} |")
        wins = sum(
            hit_rate(s, basis, c) > OPENCP["sepp"][b][i] + 0.0005
            for b, basis in enumerate(("bbox", "active"))
            for i, c in enumerate(COVER)
        )
        print(f"  {label_} beats SEPP's figure + 0.0005 in {wins} of 8 columns")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--validation", action="store_true")
    ap.add_argument("--long-validation", action="store_true")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--no-synthetic", action="store_true")
    ap.add_argument(
        "--london-stop-search",
        action="store_true",
        help="also run London's stop and searches of 2018 H1 (a short history: "
        "every search before each day of April to June)",
    )
    ap.add_argument(
        "--category",
        default="Assault",
        help="Toronto MCI category: the protocol's Assault, or another (Robbery, "
        "Break and Enter, Auto Theft, Theft Over) as a check on data no choice was "
        "made on (no open_cp comparison then)",
    )
    args = ap.parse_args()
    models = args.models.split(",")
    if not TORONTO_CSV.exists():
        print(f"skipped: {TORONTO_CSV} is absent")
        sys.exit(0)
    ev, grid, active = toronto_events(args.category)
    if args.category != "Assault":
        days = [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(90)]
        label = f"Toronto {args.category}, test days (2021 Q1)"
        run(label, ev, grid, active, days, models, compare=False)
    elif args.long_validation:
        days = [dt.date(2019, 7, 1) + dt.timedelta(days=i) for i in range(549)]
        run(
            "Toronto long validation (2019-07-01 .. 2020-12-31)",
            ev,
            grid,
            active,
            days,
            models,
            compare=False,
        )
    elif args.validation:
        days = [dt.date(2020, 1, 2) + dt.timedelta(days=4 * i) for i in range(90)]
        run("Toronto validation (2020)", ev, grid, active, days, models, compare=False)
    else:
        days = [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(90)]
        out = run(
            "Toronto test (2021 Q1)", ev, grid, active, days, models, compare=True
        )
        if "counting" in out and TORONTO_REF.exists():
            ref = pl.read_csv(TORONTO_REF).filter(pl.col("predictor") == "counting")
            cols = [c for c in ref.columns if c.startswith(("hits_", "n_"))]
            cols = [c for c in cols if c in out["counting"].columns]
            same = (
                out["counting"].select(cols).to_numpy() == ref.select(cols).to_numpy()
            )
            print(
                f"\nopen_cp counting hits reproduced on {int(same.all(1).sum())} of 90 days"
            )
        for with_sepp in (False, True):
            best = opencp_best(COVER, with_sepp=with_sepp)
            print(
                "\nopen_cp's best per column on the 90 days (counting, retro and pro, "
                "exact from its per-day hits)"
                + (
                    ", and the README's SEPP figure + 0.0005 read as if it covered "
                    "them (it covers 18: see below)"
                    if with_sepp
                    else ""
                )
                + ", and avert's default:"
            )
            for i, c in enumerate(COVER):
                line = f"- {round(c * 100)} %:"
                for basis in ("bbox", "active"):
                    bar = best[basis][i]
                    line += f" open_cp best {basis} {bar:.4f};"
                    for label_ in ("default", "default@all"):
                        if label_ not in out:
                            continue
                        s = summarise(out[label_])
                        hr = float(
                            s.filter(
                                (pl.col("basis") == basis) & (pl.col("coverage") == c)
                            )["hit_rate"][0]
                        )
                        verdict = "wins" if hr > bar else "does not win"
                        line += f" {label_} {hr:.4f} ({verdict});"
                print(line)
        on_sepp_days(out, days)
    searches = london_stop_search() if args.london_stop_search else None
    if searches is not None:
        lev, lgrid, lactive, ldays = searches
        short = [m if "@" in m else f"{m}@all" for m in models]
        run(
            "London stop and search 2018 (every search before the day)",
            lev,
            lgrid,
            lactive,
            ldays,
            short,
            compare=False,
        )
    if not args.no_synthetic:
        sev, sgrid, sactive, sdays = synthetic()
        run(
            "Synthetic city (seed 1)", sev, sgrid, sactive, sdays, models, compare=False
        )


if __name__ == "__main__":
    main()
