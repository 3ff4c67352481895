"""Candidates for the default forecast model, on validation days only (never 2021).

Each candidate is scored against the counting grid (365 days) on Toronto assault
days before the test period and on the synthetic city's validation days (90 days
ending 120 days before its benchmark days), with the protocol of
``benchmarks/forecast.py``. Printed: hit-rate difference to counting per basis and
coverage (bbox 1/2/5/10 %, active 1/2/5/10 %), Toronto | synthetic, and the median
CPU seconds per day. These are the rejected candidates of ``docs/places.md``.

    .venv/bin/python benchmarks/forecast_candidates.py [--days long|short]
        [--train all|365] [--gbm] [--only NAMES]

``--only A,B`` runs the named candidates only. ``--days long``: every day
2019-07-01 .. 2020-12-31 (549); ``short``: every 4th
day of 2020 (90). ``--gbm`` adds the gradient-boosted Poisson model (slow: about
1 s a day).
"""

from __future__ import annotations

from harness import single_threaded

single_threaded()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from forecast import CSV, synthetic, toronto  # noqa: E402

from avert.analyse.forecast import (  # noqa: E402
    Blend,
    Counting,
    Events,
    Forecaster,
    Grid,
    Stacked,
    evaluate_days,
    summarise,
)


class Shrink(Blend):
    """Poisson-gamma: the last ``short_days``' rate shrunk to the long-term rate.

    ``r = (alpha + n_s) / (alpha / mu + S)``: cells with a high long-term rate
    ``mu`` follow their recent count, sparse cells their long-term rate.
    """

    def __init__(
        self, grid: Grid, *, alpha: float = 3.0, short_days: float = 180.0
    ) -> None:
        super().__init__(grid)
        self.alpha = alpha
        self.short_days = short_days

    def _predict(self, past: Events, t0: float, horizon_days: float) -> np.ndarray:
        base = super()._predict(past, t0, horizon_days)
        ev = past.before(t0, self.short_days)
        ns = np.bincount(ev.cell, minlength=self.grid.n_cells).astype(float)
        mu = base / max(base.sum(), 1e-12) * (ns.sum() / self.short_days)
        out = np.zeros(self.grid.n_cells)
        pos = mu > 0
        out[pos] = (self.alpha + ns[pos]) / (self.alpha / mu[pos] + self.short_days)
        return out


class Seasonal(Blend):
    """The default plus ``sw`` x a same-time-of-year (von Mises) weighted count,
    or times a per-cell weekday factor shrunk to 1 with strength ``wdk``."""

    def __init__(
        self, grid: Grid, *, kappa: float = 1.0, sw: float = 0.3, wdk: float = 0.0
    ) -> None:
        super().__init__(grid)
        self.kappa = kappa
        self.sw = sw
        self.wdk = wdk

    def _predict(self, past: Events, t0: float, horizon_days: float) -> np.ndarray:
        out = super()._predict(past, t0, horizon_days).copy()
        n = self.grid.n_cells
        age = t0 - past.t
        w = np.exp(-np.log(2.0) * age / 365.0)
        if self.sw > 0:
            phase = np.cos(2 * np.pi * (age + 0.5 * horizon_days) / 365.25) - 1
            s = np.bincount(
                past.cell, weights=w * np.exp(self.kappa * phase), minlength=n
            )
            out += self.sw * s / max(s.sum(), 1e-12)
        if self.wdk > 0:
            same = np.floor(past.t - t0 + 0.5) % 7 == 0
            m = np.bincount(past.cell[same], weights=w[same], minlength=n)
            tot = np.bincount(past.cell, weights=w, minlength=n)
            p = m.sum() / max(tot.sum(), 1e-12)
            f = (m + self.wdk * p) / (tot * p + self.wdk * p)
            out *= np.where(tot > 0, f, 1.0)
        return out


class GBMPoisson(Forecaster):
    """Gradient-boosted Poisson regression over cell-days, refitted per forecast.

    Rows: the cells with any history x ``n_days`` training days (``step`` days
    apart before the forecast day); features: counts of the last 7/30/90/365 days,
    the decayed count, its Gaussian neighbourhood, the same-weekday decayed count.
    """

    def __init__(
        self, grid: Grid, *, n_days: int = 20, step: int = 7, iters: int = 60
    ) -> None:
        super().__init__(grid)
        self.n_days = n_days
        self.step = step
        self.iters = iters

    def _features(self, past: Events, t0: float, cells: np.ndarray) -> np.ndarray:
        n = self.grid.n_cells
        age = t0 - past.t
        cols = [
            np.bincount(past.cell[age < win], minlength=n)[cells] / win
            for win in (7, 30, 90, 365)
        ]
        w = np.exp(-np.log(2) * age / 365)
        dec = np.bincount(past.cell, weights=w, minlength=n)
        norm = 1000 / max(w.sum(), 1e-9)
        sm = ndimage.gaussian_filter(
            dec.reshape(self.grid.shape), 1.0, mode="constant", truncate=3.0
        ).ravel()
        same = np.floor(past.t - t0 + 0.5) % 7 == 0
        wd = np.bincount(past.cell[same], weights=w[same], minlength=n)
        cols += [dec[cells] * norm, sm[cells] * norm, wd[cells] * norm]
        return np.column_stack(cols)

    def _predict(self, past: Events, t0: float, horizon_days: float) -> np.ndarray:
        from sklearn.ensemble import HistGradientBoostingRegressor

        n = self.grid.n_cells
        cells = np.unique(past.cell)
        xs, ys = [], []
        for j in range(1, self.n_days + 1):
            d = t0 - j * self.step
            p = past.before(d)
            if len(p) == 0:
                continue
            ys.append(np.bincount(past.between(d, d + 1).cell, minlength=n)[cells])
            xs.append(self._features(p, d, cells))
        base = Blend(self.grid)._predict(past, t0, horizon_days)
        if not xs:
            return base
        model = HistGradientBoostingRegressor(
            loss="poisson", max_iter=self.iters, max_leaf_nodes=15, early_stopping=False
        )
        model.fit(np.vstack(xs), np.concatenate(ys))
        out = base * 1e-6
        out[cells] += model.predict(self._features(past, t0, cells))
        return out


CANDIDATES: dict[str, Callable[[Grid], Forecaster]] = {
    "default (stacked)": lambda g: Stacked(g),
    "stacked hold-out 60 days": lambda g: Stacked(g, holdout_days=60.0),
    "stacked hold-out 120 days": lambda g: Stacked(g, holdout_days=120.0),
    "blend (the former default)": lambda g: Blend(g),
    "half-life 90": lambda g: Blend(g, half_life_days=90.0),
    "half-life 180": lambda g: Blend(g, half_life_days=180.0),
    "half-life 730": lambda g: Blend(g, half_life_days=730.0),
    "smoothing 0.05": lambda g: Blend(g, smooth_weight=0.05),
    "smoothing 0.25": lambda g: Blend(g, smooth_weight=0.25),
    "smoothing sigma 2": lambda g: Blend(g, smooth_sigma_cells=2.0),
    **{
        f"recent {w} x hl {h}": (
            lambda g, w=w, h=h: Blend(
                g, recent_weight=w, recent_half_life_days=float(h)
            )
        )
        for w in (0.1, 0.3, 1.0)
        for h in (7, 30, 90)
    },
    **{
        f"shrink alpha {a} last {s}": (
            lambda g, a=a, s=s: Shrink(g, alpha=a, short_days=float(s))
        )
        for a in (1.0, 3.0, 10.0)
        for s in (90, 180, 365)
    },
    "seasonal 0.3": lambda g: Seasonal(g, sw=0.3, kappa=1.0),
    "seasonal 1.0": lambda g: Seasonal(g, sw=1.0, kappa=1.0),
    "weekday factor 10": lambda g: Seasonal(g, sw=0.0, wdk=10.0),
    "weekday factor 30": lambda g: Seasonal(g, sw=0.0, wdk=30.0),
}


def _score(
    factory: Callable[[Grid], Forecaster],
    data: tuple[Events, Grid, np.ndarray],
    days: list[dt.date],
    train: float | None,
) -> tuple[list[float], float]:
    ev, grid, active = data
    per_day = evaluate_days(factory, ev, grid, days, active=active, train_days=train)
    s = summarise(per_day).sort(["basis", "coverage"], descending=[True, False])
    return [float(v) for v in s["hit_rate"]], float(
        per_day["fit_predict_cpu_s"].median()
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", choices=("long", "short"), default="long")
    ap.add_argument("--train", choices=("all", "365"), default="all")
    ap.add_argument("--gbm", action="store_true")
    ap.add_argument(
        "--only", default="", help="comma-separated candidate names (default: all)"
    )
    args = ap.parse_args()
    if not CSV.exists():
        print(f"skipped: {CSV} is absent")
        return
    train = None if args.train == "all" else 365.0
    tor = toronto()
    sev, sgrid, sactive, sdays = synthetic()
    syn = (sev, sgrid, sactive)
    if args.days == "long":
        tdays = [dt.date(2019, 7, 1) + dt.timedelta(days=i) for i in range(549)]
    else:
        tdays = [dt.date(2020, 1, 2) + dt.timedelta(days=4 * i) for i in range(90)]
    vdays = [d - dt.timedelta(days=120) for d in sdays]
    base_t, _ = _score(lambda g: Counting(g), tor, tdays, 365.0)
    base_s, _ = _score(lambda g: Counting(g), syn, vdays, 365.0)
    print(
        f"validation: Toronto {len(tdays)} days ({tdays[0]} .. {tdays[-1]}), synthetic "
        f"{len(vdays)} days; training {args.train}; columns bbox 1/2/5/10 %, "
        "active 1/2/5/10 %"
    )
    print("counting (365 d): " + " ".join(f"{v:.3f}" for v in base_t))
    cands: dict[str, Any] = dict(CANDIDATES)
    if args.only:
        cands = {k: v for k, v in cands.items() if k in args.only.split(",")}
    if args.gbm:
        cands["gbm poisson"] = lambda g: GBMPoisson(g)
    print(
        "| candidate | Toronto minus counting | synthetic minus counting | CPU s/day |"
    )
    print("|---|---|---|---|")
    for name, factory in cands.items():
        t, cpu = _score(factory, tor, tdays, train)
        s, _ = _score(factory, syn, vdays, train)
        dt_ = " ".join(f"{a - b:+.3f}" for a, b in zip(t, base_t, strict=True))
        ds = " ".join(f"{a - b:+.3f}" for a, b in zip(s, base_s, strict=True))
        print(f"| {name} | {dt_} | {ds} | {cpu:.4f} |", flush=True)


if __name__ == "__main__":
    main()
