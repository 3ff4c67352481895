"""Whether the store's incidents carry their day: the refusal of the day-level analyses.

data.police.uk dates a whole month's records on its first day (``time_precision =
'month'``). Forecasts, the near-repeat test and emerging hot spots in slices of
days need the day, so a store holding nothing else is refused, at once: one
counting query (:func:`avert.store.summary.month_only_incidents`), before the
incidents are read and classified and before the analyses' modules are imported
(``avert analyse near-repeat`` took 11 s to refuse the City of London's 2019).
This module imports no analysis for that reason.
"""

from __future__ import annotations

from avert.errors import ConfigError
from avert.store import Store
from avert.store.summary import month_only_incidents

__all__ = ["all_month_only_message", "refuse_all_month_only"]


def refuse_all_month_only(store: Store) -> None:
    """Refuse at once (a ConfigError) when every incident of the store is
    month-only. When only some are, the analyses go on without them
    (:func:`avert.workflows.forecast.events_from_store`)."""
    month_only, total = month_only_incidents(store)
    if total and month_only == total:
        raise ConfigError(all_month_only_message(month_only))


def all_month_only_message(n_month_only: int) -> str:
    """Why forecasts, near repeat and emerging hot spots refuse month-only data."""
    return (
        f"Every incident is month-only ({n_month_only:,}: data.police.uk dates a "
        "month's records on its first day): forecasts, the near-repeat test and "
        "emerging hot spots need the day. Load records with exact times ('avert "
        "ingest bundle', 'avert ingest table'), or use what months can show: "
        "'avert analyse gistar', 'avert analyse concentration --entity place' "
        "and the month briefing's places ('avert brief --at' the first of the "
        "next month)."
    )
