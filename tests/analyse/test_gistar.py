"""Gi* agrees with PySAL esda; FDR; change; emerging hotspots; dual KDE."""

from __future__ import annotations

import numpy as np
import pytest

from avert.analyse.gistar import (
    benjamini_hochberg,
    dual_kde,
    emerging_hotspots,
    gi_star,
    hotspot_change,
    mann_kendall,
)
from avert.errors import ConfigError


@pytest.mark.parametrize("transform", ["B", "R"])
@pytest.mark.parametrize("rook", [False, True])
def test_gi_star_agrees_with_esda(transform: str, rook: bool) -> None:
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    rng = np.random.default_rng(11)
    y = rng.poisson(1.5, (13, 17)).astype(float)
    y[6:8, 8:10] += 12  # a hotspot
    w = libpysal.weights.fill_diagonal(libpysal.weights.lat2W(13, 17, rook=rook), 1)
    ref = esda.G_Local(y.ravel(), w, transform=transform, star=True, permutations=0)
    got = gi_star(y, neighbourhood="rook" if rook else "queen", transform=transform)  # type: ignore[arg-type]
    np.testing.assert_allclose(got.g.ravel(), ref.Gs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.z.ravel(), ref.Zs, rtol=0, atol=1e-9)
    if transform == "B":
        assert got.spot[6, 8] == "hot"


def test_benjamini_hochberg_literal() -> None:
    q = benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.2]))
    np.testing.assert_allclose(q, [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2])


def test_fdr_removes_chance_hotspots() -> None:
    rng = np.random.default_rng(0)
    noise = rng.poisson(3, (60, 60)).astype(float)
    r = gi_star(noise)
    raw = int(((r.p <= 0.05) & (r.z > 0)).sum())
    assert raw > 10  # uncorrected tests find "hotspots" in pure noise
    assert int((r.spot == "hot").sum()) <= 2


def _slices(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).poisson(1.0, (10, 15, 15)).astype(float)


def _pattern(s: np.ndarray, row: int, col: int) -> str:
    em = emerging_hotspots(s)
    return str(em.filter((em["row"] == row) & (em["col"] == col))["pattern"][0])


def test_emerging_classes() -> None:
    s = _slices(2)
    s[:, 3, 3] += 25
    assert _pattern(s, 3, 3) == "persistent"
    s = _slices(5)
    s[-1, 7, 12] += 40
    assert _pattern(s, 7, 12) == "new"
    s = _slices(6)
    s[[1, 4, 9], 5, 5] += 40
    assert _pattern(s, 5, 5) == "sporadic"


def test_hotspot_change() -> None:
    s = _slices(7)
    s[-1, 7, 12] += 40
    s[:, 3, 3] += 40
    change = hotspot_change(s[0], s[-1])
    get = {(r["row"], r["col"]): r["change"] for r in change.iter_rows(named=True)}
    assert get[(7, 12)] == "new hot"
    assert get[(3, 3)] == "still hot"
    assert get[(13, 1)] == "none"


def test_mann_kendall_signs() -> None:
    z, p = mann_kendall(np.arange(10, dtype=float)[:, None] * np.array([1.0, -1.0]))
    assert z[0] > 3
    assert z[1] < -3
    assert p[0] < 0.01


def test_dual_kde_is_a_rate() -> None:
    events = np.zeros((9, 9))
    pop = np.full((9, 9), 100.0)
    events[4, 4] = 10
    pop[0, 0] = 0
    r = dual_kde(events, pop, sigma_cells=1.0, min_population=50)
    assert np.nanargmax(r) == 4 * 9 + 4
    assert np.isnan(r[0, 0])  # too few people nearby for a rate
    with pytest.raises(ConfigError):
        dual_kde(events, pop[:3])
