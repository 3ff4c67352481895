"""Gi* agrees with PySAL esda; FDR; change; emerging hotspots; dual KDE."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from avert.analyse.gistar import (
    INSUFFICIENT_DATA,
    benjamini_hochberg,
    dual_kde,
    emerging_hotspots,
    gi_star,
    gi_star_weights,
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


@pytest.mark.parametrize("transform", ["B", "R"])
@pytest.mark.parametrize(
    ("neighbourhood", "p_norm"), [("queen", np.inf), ("disc", 2.0)]
)
def test_gi_star_wider_neighbourhoods_agree_with_esda(
    transform: str, neighbourhood: str, p_norm: float
) -> None:
    """Radius 2 on the grid is esda's distance band of 2 cells between cell centres
    (Chebyshev distance for queen, Euclidean for disc), the cell itself included."""
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    rng = np.random.default_rng(5)
    y = rng.poisson(2.0, (9, 11)).astype(float)
    rows, cols = np.mgrid[0:9, 0:11]
    centres = np.column_stack([cols.ravel(), rows.ravel()]).astype(float)
    w = libpysal.weights.DistanceBand(centres, threshold=2.0 + 1e-9, p=p_norm)
    w = libpysal.weights.fill_diagonal(w, 1)
    ref = esda.G_Local(y.ravel(), w, transform=transform, star=True, permutations=0)
    got = gi_star(y, radius=2, neighbourhood=neighbourhood, transform=transform)  # type: ignore[arg-type]
    np.testing.assert_allclose(got.z.ravel(), ref.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.g.ravel(), ref.Gs, rtol=0, atol=1e-9)


@pytest.mark.parametrize("transform", ["B", "R"])
@pytest.mark.parametrize("kind", ["band", "inverse distance", "band with self"])
def test_gi_star_weights_agrees_with_esda_on_any_weights(
    transform: str, kind: str
) -> None:
    """Areas (not a grid) with a distance band or inverse-distance weights, with or
    without self weights: the same G*, z and p as esda, whose rule for an empty
    diagonal (1, or the row's largest weight when row-standardised) is followed."""
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 10, (60, 2))
    y = rng.poisson(3.0, 60).astype(float)
    y[np.linalg.norm(xy - 5.0, axis=1) < 1.5] += 9  # a hot spot in the middle
    with warnings.catch_warnings():
        # libpysal names the islands (kept: an area with no neighbour within the
        # band); esda says how it fills an empty diagonal
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # 1/0 of libpysal's own
        if kind == "inverse distance":
            w = libpysal.weights.DistanceBand(
                xy, threshold=3.0, binary=False, alpha=-1.0
            )
        else:
            w = libpysal.weights.DistanceBand(xy, threshold=2.0)
        if kind == "band with self":
            w = libpysal.weights.fill_diagonal(w, 1)
        matrix = w.sparse.copy()  # before esda transforms w in place
        ref = esda.G_Local(y, w, transform=transform, star=True, permutations=0)
    got = gi_star_weights(y, matrix, transform=transform)  # type: ignore[arg-type]
    np.testing.assert_allclose(got.g, ref.Gs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.z, ref.Zs, rtol=0, atol=1e-9)
    assert got.frame.columns[0] == "index"
    assert np.linalg.norm(xy[np.nanargmax(got.z)] - 5.0) < 2.5  # the planted spot


def test_gi_star_weights_on_the_grid_is_gi_star() -> None:
    """A grid's queen weights given as a dense matrix give what the convolution gives."""
    rng = np.random.default_rng(8)
    y = rng.poisson(1.0, (6, 7)).astype(float)
    rows, cols = np.mgrid[0:6, 0:7]
    r, c = rows.ravel(), cols.ravel()
    queen = (np.abs(r[:, None] - r) <= 1) & (np.abs(c[:, None] - c) <= 1)
    for transform in ("B", "R"):
        a = gi_star_weights(y, queen.astype(float), transform=transform)  # type: ignore[arg-type]
        b = gi_star(y, transform=transform)  # type: ignore[arg-type]
        np.testing.assert_allclose(a.z, b.z, rtol=0, atol=1e-12)
        assert a.frame.columns[:2] == ["row", "col"]


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (np.ones((3, 3)), "9 x 9"),
        (-np.eye(9), "non-negative"),
        (np.full((9, 9), np.nan), "finite"),
    ],
)
def test_gi_star_weights_refuses_bad_weights(weights: np.ndarray, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        gi_star_weights(np.arange(9.0), weights)


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


def test_gi_star_of_a_grid_without_events_finds_no_spot() -> None:
    # A week without events in the area (or data that stops before --at) is an
    # all-zero slice: it raised ZeroDivisionError from avert analyse hotspots.
    r = gi_star(np.zeros((5, 6)))
    assert (r.spot == "none").all()
    assert (r.p == 1.0).all()
    s = _slices(5)
    s[-1] = 0.0  # the last week holds no event
    s[:-1, 7, 12] += 40
    em = emerging_hotspots(s)
    assert set(em["pattern"].to_list()) <= {"none", "historical"}
    assert em.filter((em["row"] == 7) & (em["col"] == 12))["pattern"][0] == "historical"


def test_hotspot_change() -> None:
    s = _slices(7)
    s[-1, 7, 12] += 40
    s[:, 3, 3] += 40
    change = hotspot_change(s[0], s[-1])
    get = {(r["row"], r["col"]): r["change"] for r in change.iter_rows(named=True)}
    assert get[(7, 12)] == "new hot"
    assert get[(3, 3)] == "still hot"
    assert get[(13, 1)] == "none"


def test_hotspot_change_refuses_grids_of_two_shapes() -> None:
    """Two periods counted on their own grids: numpy's "operands could not be
    broadcast together" came out of the crossing; now a ConfigError says what to do."""
    with pytest.raises(ConfigError, match=r"differ in shape.*one grid"):
        hotspot_change(_slices(1)[0], _slices(1)[0][:, :-1])


@pytest.mark.parametrize("alpha", [5, 0, -0.1, 1.0])
def test_alpha_is_a_rate_in_zero_one(alpha: float) -> None:
    """``--alpha 5`` (meaning 5 %) classed every cell: "111 hot and 429 cold cells
    of 540 at FDR 5.0"; now each entry point refuses it and says what it takes."""
    y = _slices(1)
    with pytest.raises(ConfigError, match=r"'alpha' parameter of gi_star .*0\.05"):
        gi_star(y[0], alpha=alpha)
    with pytest.raises(ConfigError, match="'alpha' parameter of gi_star_weights"):
        gi_star_weights(y[0], np.eye(y[0].size), alpha=alpha)
    with pytest.raises(ConfigError, match="'alpha' parameter of emerging_hotspots"):
        emerging_hotspots(y, alpha=alpha)


def test_alpha_may_be_a_numpy_float() -> None:
    """A numpy ``float32(0.05)`` (read from an array or a config) was refused as not
    a float in (0, 1)."""
    y = _slices(1)
    assert gi_star(y[0], alpha=np.float32(0.05)).frame.height == y[0].size


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


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("min_population", 0.0),  # infinite rates in cells of no people
        ("min_population", -1.0),
        ("min_population", np.nan),
        ("sigma_cells", np.nan),  # an all-NaN grid
        ("sigma_cells", np.inf),  # Python's OverflowError
    ],
)
def test_dual_kde_refuses_a_sigma_or_floor_that_is_no_positive_number(
    option: str, value: float
) -> None:
    events = np.zeros((9, 9))
    events[4, 4] = 10
    pop = np.full((9, 9), 100.0)
    pop[:, :4] = 0.0
    with pytest.raises(ConfigError, match=f"{option} must be a positive finite"):
        dual_kde(events, pop, **{option: value})


def test_dual_kde_never_gives_an_infinite_rate() -> None:
    events = np.zeros((9, 9))
    events[4, 4] = 1e10
    pop = np.zeros((9, 9))
    pop[4, 7] = 1e-300  # a smoothed population far below one person
    r = dual_kde(events, pop, sigma_cells=1.0, min_population=1e-320)
    assert not np.isinf(r).any()


def test_dual_kde_leaves_cells_outside_the_study_area_out() -> None:
    """A NaN cell (water) or a masked one spread NaN over every cell within three
    sigmas, and a masked array's hidden values counted as events and people."""
    rng = np.random.default_rng(3)
    events = rng.poisson(2.0, (12, 12)).astype(float)
    pop = np.full((12, 12), 500.0)
    events[0:3, 0:3] = np.nan  # outside: no events, no people, no rate
    r = dual_kde(events, pop, sigma_cells=1.0)
    assert np.isnan(r[0:3, 0:3]).all()
    assert np.isfinite(r[3:, :]).all()
    assert np.isfinite(r[:, 3:]).all()
    # the same as a grid whose outside cells hold nothing, on the cells inside
    zeroed = dual_kde(np.nan_to_num(events), np.where(np.isnan(events), 0, pop))
    assert np.allclose(r[3:, :], zeroed[3:, :])
    masked_pop = np.ma.masked_array(pop, mask=np.isnan(events))
    masked_pop.data[0:3, 0:3] = 1e9  # hidden values must not count
    hidden = np.ma.masked_array(np.nan_to_num(events, nan=1e6), mask=np.isnan(events))
    assert np.allclose(dual_kde(hidden, masked_pop), r, equal_nan=True)


def test_row_standardised_z_scores_are_narrower_than_normal_and_say_so() -> None:
    """esda's moments (kept, to agree with it) treat row-standardised weights as
    binary: on pure noise the z-scores spread about 1/3 as wide as a normal z for
    the 3 x 3 queen (Ord & Getis's variance with sum w^2 gives 1), so a planted
    spot that binary weights find is missed. The result says so in a note."""
    rng = np.random.default_rng(0)
    noise = [rng.poisson(3, (40, 40)).astype(float) for _ in range(5)]
    sd = {
        t: np.std([gi_star(y, transform=t).z[1:-1, 1:-1] for y in noise]) for t in "BR"
    }  # type: ignore[arg-type]
    assert 0.9 < sd["B"] < 1.1
    assert 0.28 < sd["R"] < 0.38
    y = noise[0].copy()
    y[10:13, 10:13] += 6
    binary, row = gi_star(y), gi_star(y, transform="R")
    assert (binary.spot == "hot").sum() > 0
    assert (row.spot == "hot").sum() == 0
    assert not any("Row-standardised" in n for n in binary.notes)
    assert any("1/sqrt(k)" in n and "transform B" in n for n in row.notes)


@pytest.mark.parametrize("transform", ["B", "R"])
@pytest.mark.parametrize("masked_array", [False, True])
def test_cells_outside_the_study_area_are_left_out_as_esda_would(
    transform: str, masked_array: bool
) -> None:
    """A grid with cells outside the study area (NaN, or a masked array) gave NaN
    z for every cell and "0 hot and 0 cold" silently (a masked array's hidden
    values were used). The cells outside are now left out of n, the moments, the
    neighbourhoods and the FDR: esda's G_Local on the other cells, with the
    weights restricted to them."""
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    rng = np.random.default_rng(2)
    y = rng.poisson(1.5, (12, 15)).astype(float)
    y[5:7, 6:8] += 12
    outside = rng.random(y.shape) < 0.2
    outside[:3, :4] = True
    outside[5:7, 6:8] = False
    rows, cols = np.mgrid[0:12, 0:15]
    centres = np.column_stack([cols.ravel(), rows.ravel()])[~outside.ravel()]
    queen = np.abs(centres[:, None] - centres[None]).max(axis=-1) <= 1
    w = libpysal.weights.full2W(
        (queen & ~np.eye(len(centres), dtype=bool)).astype(float),
        silence_warnings=True,
    )
    w = libpysal.weights.fill_diagonal(w, 1)
    ref = esda.G_Local(y[~outside], w, transform=transform, star=True, permutations=0)
    values = (
        np.ma.masked_array(y, outside) if masked_array else np.where(outside, np.nan, y)
    )
    got = gi_star(values, transform=transform)  # type: ignore[arg-type]
    np.testing.assert_allclose(got.z[~outside], ref.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.g[~outside], ref.Gs, rtol=0, atol=1e-9)
    assert np.isnan(got.z[outside]).all()
    assert np.isnan(got.q[outside]).all()
    assert (got.spot[outside] == "none").all()
    if transform == "B":
        assert got.spot[6, 7] == "hot"
    assert f"{int(outside.sum())} cells outside the study area" in got.notes[1]


def test_gi_star_weights_refuses_nan_values() -> None:
    with pytest.raises(ConfigError, match="NaN"):
        gi_star_weights(np.array([1.0, np.nan, 2.0, 3.0]), np.ones((4, 4)))


def test_emerging_hotspots_leave_masked_cells_out() -> None:
    """A masked cube lost its mask: the hidden values (here 1000 in three rows
    outside the study area) were counted, and those cells classed persistent."""
    rng = np.random.default_rng(0)
    cube = rng.poisson(2, (6, 10, 10)).astype(float)
    outside = np.zeros(cube.shape, dtype=bool)
    outside[:, :3, :] = True
    cube[outside] = 1000.0
    got = emerging_hotspots(np.ma.masked_array(cube, outside))
    assert set(got.filter(got["row"] < 3)["pattern"]) == {"none"}
    # never tested: no trend (NaN), not "no trend found" (z 0, p 1)
    out, inside = got.filter(got["row"] < 3), got.filter(got["row"] >= 3)
    assert out["trend_z"].is_nan().all()
    assert out["trend_p"].is_nan().all()
    assert not inside["trend_p"].is_nan().any()
    plain = emerging_hotspots(np.where(outside, np.nan, cube))
    assert got.equals(plain)


def test_a_mostly_empty_grid_says_no_cell_can_be_cold() -> None:
    # A count grid over the events' bounding box is mostly empty cells: even a
    # cell whose whole neighbourhood is empty lies too little below the mean to
    # be cold (London street crime, 2022 Q1, 250 m cells: 0 cold in every run,
    # the floor z -0.50), and "0 cold" read as a finding.
    rng = np.random.default_rng(3)
    sparse = np.where(rng.random((60, 60)) < 0.05, rng.poisson(4.0, (60, 60)), 0)
    r = gi_star(sparse.astype(float))
    note = next(n for n in r.notes if n.startswith("No cell can be a cold spot"))
    # the floor the note gives is the z of a cell with an empty neighbourhood
    empty = np.ones((60, 60), dtype=bool)
    v = sparse == 0
    empty[1:-1, 1:-1] = np.logical_and.reduce(
        [
            v[1 + dy : 59 + dy, 1 + dx : 59 + dx]
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
        ]
    )
    empty[0, :] = empty[-1, :] = empty[:, 0] = empty[:, -1] = False
    assert empty.any()
    floor = float(r.z[empty].min())
    assert f"z {floor:.2f} " in note
    assert stats.norm.sf(abs(floor)) * 2 > 0.05
    assert not (r.spot == "cold").any()
    # a dense grid can show cold spots: no such note
    dense = gi_star(rng.poisson(5.0, (60, 60)).astype(float))
    assert not any(n.startswith("No cell can be a cold spot") for n in dense.notes)


def test_emerging_hotspots_mark_cells_missing_some_slices_insufficient_data() -> None:
    """A cell with no value (NaN) in some slices and not others was classed as if
    each missing slice were "not hot" with a z of 0: one hot in every slice it had,
    but missing the first half, read *consecutive* (hot since, never before), and
    one hot in every slice but the last read *historical*. No pattern can be told:
    it is 'insufficient data', with no trend; the other cells are classed as before
    and a cell missing every slice is still 'none'."""
    s = _slices(2)
    for r, c in ((3, 3), (9, 9), (12, 4)):  # three patches hot throughout
        s[:, r - 1 : r + 2, c - 1 : c + 2] += 15
    whole = emerging_hotspots(s)
    s[:5, 3, 3] = np.nan  # missing its first half
    s[-1, 9, 9] = np.nan  # missing its last slice
    s[:, 0, 0] = np.nan  # outside throughout
    em = emerging_hotspots(s)
    get = {(r["row"], r["col"]): r for r in em.iter_rows(named=True)}
    for cell in ((3, 3), (9, 9)):
        assert get[cell]["pattern"] == INSUFFICIENT_DATA, cell
        assert np.isnan(get[cell]["trend_z"])
        assert np.isnan(get[cell]["trend_p"])
    assert get[(3, 3)]["hot_slices"] == 5
    assert get[(0, 0)]["pattern"] == "none"
    assert get[(12, 4)]["pattern"] == "persistent"
    assert (
        whole.filter((whole["row"] == 3) & (whole["col"] == 3))["pattern"][0]
        == "persistent"
    )
