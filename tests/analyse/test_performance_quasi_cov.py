"""The quasi-Poisson covariance without refitting the Poisson model, bit for bit.

The step model's quasi-Poisson interval took statsmodels' ``fit(scale=...)``: a
second IRLS of the same Poisson model, a fifth of a series' fits. The iterates do
not depend on the scale but the convergence test does (the deviance divided by
it), so the refit can stop an iteration apart, with a covariance different in the
6th digit: :func:`_quasi_cov` refits only then. Both kinds are below, from
Toronto's ward series (2018-2021, recent 2021) and a steady one, and the covariance is the refit's
to the last bit.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import numpy as np
import polars as pl
import pytest
from statsmodels.genmod.families import Poisson
from statsmodels.genmod.generalized_linear_model import GLM

from avert.analyse.performance import design_matrix, performance
from avert.analyse.performance._seasonal import _quasi_cov

PERIODS = pl.date_range(
    dt.date(2018, 1, 1), dt.date(2021, 12, 1), "1mo", eager=True
).to_list()
RECENT = [p.year == 2021 for p in PERIODS]
#: counts whose refit at the scale of their fit stops an iteration before the fit
#: (Toronto, a ward's robberies); counts whose refit stops with the fit (Poisson
#: at about 30 a month, over-dispersed: scale 1.7)
SPARSE = [1, 4, 0, 0, 0, 0, 1, 2, 0, 0, 2, 1, 1, 0, 0, 0, 1, 5, 0, 1, 0, 2, 1, 2]
SPARSE += [3, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 2, 0, 0, 0, 0]
STEADY = [36, 44, 29, 35, 40, 43, 33, 28, 35, 30, 25, 26, 36, 26, 27, 33, 26, 31]
STEADY += [43, 38, 42, 36, 26, 34, 22, 19, 23, 35, 27, 23, 35, 24, 30, 27, 29, 16]
STEADY += [16, 26, 30, 30, 43, 25, 38, 39, 30, 24, 24, 34]


def _fits(counts: list[int]) -> tuple[Any, np.ndarray, np.ndarray]:
    x, _ = design_matrix(PERIODS, RECENT, unit="month", trend=False)
    y = np.asarray(counts, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GLM(y, x, family=Poisson()).fit(), y, x


@pytest.mark.parametrize("counts", [SPARSE, STEADY], ids=["sparse", "steady"])
@pytest.mark.parametrize("scale", [1.0, 1.3, 2.7, 0.6, "pearson"])
def test_the_covariance_is_the_refit_s_bit_for_bit(
    counts: list[int], scale: float | str
) -> None:
    pois, y, x = _fits(counts)
    if scale == "pearson":
        scale = max(1.0, float(pois.pearson_chi2) / float(pois.df_resid))
    assert isinstance(scale, float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refit = np.asarray(GLM(y, x, family=Poisson()).fit(scale=scale).cov_params())
        assert np.array_equal(_quasi_cov(pois, scale), refit)


def test_the_refit_is_made_only_where_it_stops_elsewhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    refits: list[float] = []
    fit = GLM.fit

    def counted(self: GLM, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("scale") is not None:
            refits.append(kwargs["scale"])
        return fit(self, *args, **kwargs)

    sparse, _, _ = _fits(SPARSE)
    steady, _, _ = _fits(STEADY)
    monkeypatch.setattr(GLM, "fit", counted)
    for pois in (sparse, steady):
        _quasi_cov(pois, max(1.0, float(pois.pearson_chi2) / float(pois.df_resid)))
    assert len(refits) == 1  # the sparse series' only


def test_a_judged_series_takes_four_fits_not_five(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Baseline trend, baseline dispersion, step model, split step: the fifth,
    the quasi-Poisson refit, is gone where it would stop as the step model did."""
    fits: list[int] = []
    fit = GLM.fit

    def counted(self: GLM, *args: Any, **kwargs: Any) -> Any:
        fits.append(1)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(GLM, "fit", counted)
    frame = pl.DataFrame(
        {
            "area": "A",
            "category": "all",
            "flag": "all",
            "period": PERIODS,
            "count": np.asarray(STEADY, dtype=np.int64),
        }
    )
    result = performance(
        frame,
        baseline=(dt.date(2018, 1, 1), dt.date(2020, 12, 31)),
        recent=(dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
    )
    assert result.series[0].change is not None
    assert result.series[0].change.family == "quasipoisson"
    assert len(fits) == 4


def _refit(pois: Any, scale: float) -> np.ndarray:
    model = pois.model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refit = GLM(model.endog, model.exog, family=Poisson()).fit(scale=scale)
    return np.asarray(refit.cov_params())


def test_a_scale_of_zero_is_refitted_as_statsmodels_reads_it() -> None:
    """``fit(scale=0.0)`` is no fixed scale to statsmodels (1): the covariance
    was the fit's times 0, an interval of no width, where the refit's is not."""
    pois, _, _ = _fits(STEADY)
    assert np.array_equal(_quasi_cov(pois, 0.0), _refit(pois, 0.0))
    assert np.all(np.diag(_quasi_cov(pois, 0.0)) > 0)


class _OtherStatsmodels:
    """``pois`` as another statsmodels might hand it back: ``fit_history`` laid
    out otherwise (``history``); everything else as it is."""

    def __init__(self, pois: Any, history: dict[str, Any]) -> None:
        self._pois = pois
        self.fit_history = history

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pois, name)


@pytest.mark.parametrize(
    "change",
    ["no params", "no iteration", "params without the leading inf"],
)
@pytest.mark.parametrize("counts", [SPARSE, STEADY], ids=["sparse", "steady"])
def test_another_statsmodels_bookkeeping_falls_back_to_the_refit(
    counts: list[int], change: str
) -> None:
    """The shortcut re-derives statsmodels' convergence bookkeeping
    (``fit_history``): laid out otherwise, it refits rather than fail or guess."""
    pois, _, _ = _fits(counts)
    history = {
        k: list(v) if isinstance(v, list) else v for k, v in pois.fit_history.items()
    }
    if change == "no params":
        del history["params"]
    elif change == "no iteration":
        del history["iteration"]
    else:
        history["params"] = history["params"][1:]
        history["deviance"] = history["deviance"][1:]
    scale = max(1.0, float(pois.pearson_chi2) / float(pois.df_resid))
    other = _OtherStatsmodels(pois, history)
    assert np.array_equal(_quasi_cov(other, scale), _refit(pois, scale))


def test_a_fit_from_given_start_values_is_refitted() -> None:
    """A first fit from ``start_params`` iterates from them, not from
    ``starting_mu``: the re-derived deviances are not its own, so it refits."""
    pois, y, x = _fits(SPARSE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = GLM(y, x, family=Poisson()).fit(start_params=pois.params * 0.5)
    for scale in (1.3, 2.7, 0.6):
        assert np.array_equal(_quasi_cov(started, scale), _refit(started, scale))
