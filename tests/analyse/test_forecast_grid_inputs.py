"""``forecast_grid`` given the forms an outside evaluator's code may hold.

Each form gives the very array of the canonical one (float64 ``x``/``y``, naive
``Datetime("us")`` ``occurred_at``, a naive datetime ``at``) or fails at once
with a ``ValueError`` (ConfigError, SchemaError) naming the argument and what to
pass. The first battery found no wrong answer (2026-12-07); it found four
unhelpful ones, each tested here against the old code's behaviour.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest
from test_forecast_pinned import CELL_M, ORIGIN, SHAPE, seeded_city

from avert.analyse.forecast import Events, Grid, forecast_grid, make_model
from avert.errors import ConfigError, SchemaError

AT = dt.datetime(2023, 11, 15)
GRID = {"origin_xy": ORIGIN, "cell_size_m": CELL_M, "shape": SHAPE}
WHEN = pl.col("occurred_at")


def city() -> pl.DataFrame:
    """The pinned seeded city with whole-metre coordinates (exact in float32)."""
    return seeded_city().with_columns(pl.col("x", "y").round(0))


def zoned(frame: pl.DataFrame, zone: str) -> pl.DataFrame:
    """``frame`` with its times on ``zone``'s clock (a nonexistent time left out)."""
    return frame.with_columns(
        WHEN.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
    )


EVENT_FORMS: dict[str, Callable[[pl.DataFrame], pl.DataFrame]] = {
    "Datetime ns": lambda f: f.with_columns(WHEN.cast(pl.Datetime("ns"))),
    "Datetime ms": lambda f: f.with_columns(WHEN.cast(pl.Datetime("ms"))),
    "UTC": lambda f: zoned(f, "UTC"),
    "America/Toronto": lambda f: zoned(f, "America/Toronto"),
    "Europe/London": lambda f: zoned(f, "Europe/London"),
    "ISO with a space": lambda f: f.with_columns(WHEN.dt.strftime("%Y-%m-%d %H:%M:%S")),
    "ISO with fractions": lambda f: f.with_columns(
        WHEN.dt.strftime("%Y-%m-%dT%H:%M:%S%.f")
    ),
    "ISO with Z": lambda f: f.with_columns(WHEN.dt.strftime("%Y-%m-%dT%H:%M:%SZ")),
    "Int64 metres": lambda f: f.with_columns(pl.col("x", "y").cast(pl.Int64)),
    "UInt32 metres": lambda f: f.with_columns(pl.col("x", "y").cast(pl.UInt32)),
    "Float32 metres": lambda f: f.with_columns(pl.col("x", "y").cast(pl.Float32)),
    "metres as text": lambda f: f.with_columns(pl.col("x", "y").cast(pl.String)),
    "Decimal metres": lambda f: f.with_columns(
        pl.col("x", "y").cast(pl.Decimal(12, 2))
    ),
    "columns reordered, extra": lambda f: f.with_columns(
        offence=pl.lit("robbery"), id=pl.int_range(pl.len())
    ).select("occurred_at", "offence", "y", "id", "x"),
    "nulls, NaN and inf": lambda f: pl.concat(
        [
            f,
            pl.DataFrame(
                {
                    "x": [None, np.nan, 1e300, -np.inf, ORIGIN[0] + 10],
                    "y": [ORIGIN[1] + 10, np.nan, ORIGIN[1], 1.0, ORIGIN[1] + 10],
                    "occurred_at": [AT - dt.timedelta(days=1)] * 4 + [None],
                }
            ),
        ],
        how="vertical_relaxed",
    ),
    "events at and after at": lambda f: pl.concat(
        [
            f,
            f.with_columns(WHEN.dt.offset_by("3y")),
            f.with_columns(occurred_at=pl.lit(AT)),
        ]
    ),
    "arrow table": lambda f: f.to_arrow(),  # type: ignore[return-value,arg-type]
}


@pytest.mark.parametrize("model", ["default", "counting"])
@pytest.mark.parametrize("form", list(EVENT_FORMS))
def test_each_form_of_the_events_gives_the_canonical_array(
    form: str, model: str
) -> None:
    """Zoned times with a naive ``at`` are read on the events' own clock: ``at``
    is their wall-clock time (midnight in Toronto for Toronto's events)."""
    canonical = city()
    events = EVENT_FORMS[form](canonical)
    got = forecast_grid(events, at=AT, model=model, **GRID)
    assert got.dtype == np.float64
    assert got.shape == SHAPE
    np.testing.assert_array_equal(
        got, forecast_grid(canonical, at=AT, model=model, **GRID)
    )


AT_FORMS: dict[str, object] = {
    "date": AT.date(),
    "ISO date": "2023-11-15",
    "ISO datetime": "2023-11-15T00:00:00",
    "datetime64[D]": np.datetime64("2023-11-15"),
    "datetime64[s]": np.datetime64("2023-11-15T00:00:00", "s"),
    "datetime64[ns]": np.datetime64("2023-11-15T00:00:00.000000000"),
    "aware, naive events": AT.replace(tzinfo=dt.UTC),  # its wall-clock time
}


@pytest.mark.parametrize("form", list(AT_FORMS))
def test_each_form_of_at_gives_the_canonical_array(form: str) -> None:
    events = city()
    got = forecast_grid(events, at=AT_FORMS[form], **GRID)  # type: ignore[arg-type]
    np.testing.assert_array_equal(got, forecast_grid(events, at=AT, **GRID))


@pytest.mark.parametrize(
    ("zone", "at"),
    [
        ("America/Toronto", dt.datetime(2023, 11, 15, 5, tzinfo=dt.UTC)),
        ("UTC", dt.datetime(2023, 11, 14, 19, tzinfo=ZoneInfo("America/Toronto"))),
        ("Europe/London", AT.replace(tzinfo=ZoneInfo("Europe/London"))),
    ],
    ids=["Toronto events, UTC at", "UTC events, Toronto at", "London both"],
)
def test_an_aware_at_is_the_same_instant_on_the_events_clock(
    zone: str, at: dt.datetime
) -> None:
    """Midnight on the events' clock, given on another zone, is that midnight."""
    canonical = city()
    got = forecast_grid(zoned(canonical, zone), at=at, **GRID)
    np.testing.assert_array_equal(got, forecast_grid(canonical, at=AT, **GRID))


def test_pandas_timestamps_and_frames_give_the_canonical_array() -> None:
    pd = pytest.importorskip("pandas")
    canonical = city()
    expected = forecast_grid(canonical, at=AT, **GRID)
    frame = canonical.to_pandas()
    zoned_frame = frame.assign(occurred_at=frame["occurred_at"].dt.tz_localize("UTC"))
    for events, at in (
        (frame, pd.Timestamp(AT)),
        (frame.assign(occurred_at=frame["occurred_at"].astype(str)), AT),
        (frame.assign(occurred_at=frame["occurred_at"].astype(object)), AT),
        (zoned_frame, pd.Timestamp(AT, tz="UTC")),
        (zoned_frame, pd.Timestamp(AT, tz="UTC").tz_convert("America/Toronto")),
    ):
        np.testing.assert_array_equal(forecast_grid(events, at=at, **GRID), expected)


def test_a_pandas_frame_indexed_by_time_reads_its_index() -> None:
    """A frame indexed by ``occurred_at`` (as pandas' resampling wants) was refused
    as "missing columns ['occurred_at']"."""
    pytest.importorskip("pandas")
    canonical = city()
    frame = canonical.to_pandas().set_index("occurred_at")
    before = frame.copy()
    got = forecast_grid(frame, at=AT, **GRID)
    np.testing.assert_array_equal(got, forecast_grid(canonical, at=AT, **GRID))
    assert frame.equals(before)  # the caller's frame keeps its index


@pytest.mark.parametrize(
    "grid",
    [
        {"origin_xy": np.array(ORIGIN)},
        {"origin_xy": [int(ORIGIN[0]), int(ORIGIN[1])]},
        {"origin_xy": np.array(ORIGIN, dtype=np.int64)},
        {"shape": list(SHAPE)},
        {"shape": np.array(SHAPE)},
        {"shape": (np.int64(SHAPE[0]), np.int64(SHAPE[1]))},
        {"cell_size_m": 150},
        {"cell_size_m": np.float32(150.0)},
        {"cell_size_m": np.int64(150)},
    ],
    ids=repr,
)
def test_each_form_of_the_grid_gives_the_canonical_array(
    grid: dict[str, object],
) -> None:
    events = city()
    got = forecast_grid(events, at=AT, **{**GRID, **grid})  # type: ignore[arg-type]
    np.testing.assert_array_equal(got, forecast_grid(events, at=AT, **GRID))


@pytest.mark.parametrize("name", ["DEFAULT", " Counting ", "Self-Exciting", "NAIVE"])
def test_a_model_name_in_any_case(name: str) -> None:
    key = {"DEFAULT": "default", " Counting ": "counting"}.get(name)
    key = key or {"Self-Exciting": "sepp", "NAIVE": "counting"}[name]
    events = city()
    got = forecast_grid(events, at=AT, model=name, **GRID)
    np.testing.assert_array_equal(got, forecast_grid(events, at=AT, model=key, **GRID))


def test_the_frame_is_not_changed_and_a_second_call_gives_the_same_bits() -> None:
    events = city().sample(
        fraction=1.0, shuffle=True, seed=3
    )  # unsorted: sorted inside
    kept = events.clone()
    first = forecast_grid(events, at=AT, **GRID)
    assert events.equals(kept)
    np.testing.assert_array_equal(forecast_grid(events, at=AT, **GRID), first)


def test_two_threads_at_once_give_each_its_own_forecast() -> None:
    """Calls overlapping in threads share the process's one-thread BLAS limit
    (docs/places.md, *Threads*); each still gives its single-call array."""
    events = city()
    models = ["default", "counting", "default", "sepp"]
    alone = [forecast_grid(events, at=AT, model=m, **GRID) for m in models]
    got: dict[int, np.ndarray] = {}

    def run(i: int) -> None:
        got[i] = forecast_grid(events, at=AT, model=models[i], **GRID)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(models))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, expected in enumerate(alone):
        np.testing.assert_array_equal(got[i], expected)


@pytest.mark.parametrize(
    "model", ["default", "counting", "blend", "retro", "pro", "sepp"]
)
def test_untyped_empty_frame_gives_zeros(model: str) -> None:
    """``pl.DataFrame({"x": [], "y": [], "occurred_at": []})`` has Null columns."""
    empty = pl.DataFrame({"x": [], "y": [], "occurred_at": []})
    risk = forecast_grid(empty, at=AT, model=model, **GRID)
    assert risk.shape == SHAPE
    assert risk.dtype == np.float64
    assert not risk.any()


def test_columns_named_in_another_case_are_named_in_the_error() -> None:
    """The error pointed to ``avert.schema.EVENTS``, which does not exist, and named
    none of the columns given."""
    events = city().rename({"x": "X", "occurred_at": "Occurred_At"})
    with pytest.raises(SchemaError) as err:
        forecast_grid(events, at=AT, **GRID)
    text = str(err.value)
    assert "x, y (metres" in text
    assert "missing x, occurred_at" in text
    assert "rename 'X' to 'x', 'Occurred_At' to 'occurred_at'" in text
    assert "avert.schema" not in text


def test_none_for_events_says_what_to_pass() -> None:
    """None was read as an empty frame "missing columns ['x', 'y', 'occurred_at']"."""
    with pytest.raises(
        ConfigError, match=r"events must be a Polars DataFrame.*got None"
    ):
        forecast_grid(None, at=AT, **GRID)  # type: ignore[arg-type]


@pytest.mark.parametrize("axis", ["x", "y"])
def test_boolean_coordinates_are_refused(axis: str) -> None:
    """Booleans were read as 0 and 1 metres: every event outside, a grid of zeros."""
    events = city().with_columns(pl.col(axis) > ORIGIN[0])
    with pytest.raises(ConfigError, match=rf"events\.{axis} must be numbers.*Boolean"):
        forecast_grid(events, at=AT, **GRID)


def _fall_back_events() -> pl.DataFrame:
    """Three London events around 2023-10-29, when its clocks went back at 02:00
    BST to 01:00 GMT: 01:10 GMT (01:10 UTC), 00:50 BST and 01:40 BST."""
    instants = [
        dt.datetime(2023, 10, 29, 1, 10, tzinfo=dt.UTC),
        dt.datetime(2023, 10, 28, 23, 50, tzinfo=dt.UTC),
        dt.datetime(2023, 10, 29, 0, 40, tzinfo=dt.UTC),
    ]
    return pl.DataFrame(
        {"x": [5.0, 15.0, 25.0], "y": [5.0] * 3, "occurred_at": instants}
    ).with_columns(WHEN.dt.convert_time_zone("Europe/London"))


@pytest.mark.parametrize(
    "at",
    [
        dt.datetime(2023, 10, 29, 0, 30, tzinfo=dt.UTC),
        dt.datetime(2023, 10, 29, 1, 30),
        dt.datetime(2023, 10, 29, 1, 30, tzinfo=ZoneInfo("Europe/London")),
        np.datetime64("2023-10-29T01:30"),
        "2023-10-29T01:30",
    ],
    ids=repr,
)
def test_no_event_after_at_in_the_hour_the_clocks_go_back(at: object) -> None:
    """At 01:30 BST (00:30 UTC; a naive 01:30 is its first instant) the event of
    01:10 GMT came 40 minutes later, but its wall-clock time is earlier: it was
    read into the forecast. Only the 00:50 BST event happened before ``at``."""
    risk = forecast_grid(
        _fall_back_events(),
        at=at,  # type: ignore[arg-type]
        model="counting",
        origin_xy=(0, 0),
        cell_size_m=10,
        shape=(1, 3),
    )
    np.testing.assert_array_equal(risk, [[0.0, 1.0, 0.0]])


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("at", dt.time(0)),
        ("at", [AT]),
        ("at", "15/11/2023"),
        ("model", "kde"),
        ("horizon", 1),
        ("horizon", dt.timedelta(0)),
        ("shape", (30, 40, 1)),
        ("origin_xy", "0,0"),
        ("cell_size_m", 0),
        ("window_day", 30),
    ],
    ids=repr,
)
def test_a_wrong_argument_is_a_value_error_naming_it(
    argument: str, value: object
) -> None:
    kwargs: dict[str, object] = {"at": AT, **GRID, argument: value}
    with pytest.raises(ValueError, match=argument):
        forecast_grid(city(), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "at",
    [
        dt.datetime(2023, 10, 29, 1, 30),
        dt.datetime(2023, 10, 29, 0, 30, tzinfo=dt.UTC),
    ],
    ids=repr,
)
def test_a_model_fitted_on_zoned_events_as_arrays_reads_at_as_on_the_frame(
    at: dt.datetime,
) -> None:
    """``fit(Events.from_frame(zoned))`` (as the backtests and plans fit) read the
    second 01:10 into an ``at`` of the first 01:30, and an aware ``at`` as its own
    wall-clock time (00:30, before every event): the arrays lost the events' zone,
    so they differed from ``fit(zoned)``'s."""
    grid = Grid((0.0, 0.0), 10.0, (1, 3))
    events = Events.from_frame(_fall_back_events(), grid)
    risk = make_model("counting", grid).fit(events).predict(at)
    np.testing.assert_array_equal(risk, [[0.0, 1.0, 0.0]])


@pytest.mark.parametrize(
    ("zone", "instants", "at", "expected"),
    [
        (  # clocks back at 01:00 to 00:00: midnight is the first one
            "America/Havana",
            ["2023-11-05T03:50Z", "2023-11-05T04:10Z", "2023-11-05T05:10Z"],
            dt.date(2023, 11, 5),
            [1.0, 0.0, 0.0],
        ),
        (  # clocks forward at 00:00 to 01:00: no midnight that day
            "America/Santiago",
            ["2022-09-11T03:50Z", "2022-09-11T04:10Z", "2022-09-11T05:10Z"],
            dt.date(2022, 9, 11),
            [1.0, 0.0, 0.0],
        ),
    ],
    ids=["Havana back", "Santiago forward"],
)
def test_a_midnight_at_where_the_clocks_change_at_midnight(
    zone: str, instants: list[str], at: dt.date, expected: list[float]
) -> None:
    """docs/places.md, *The contract*: the day before's events, none after, for
    zoned events and for the same events as texts with their offsets."""
    frame = pl.DataFrame(
        {"x": [5.0, 15.0, 25.0], "y": [5.0] * 3, "occurred_at": instants}
    ).with_columns(WHEN.str.to_datetime(time_zone="UTC").dt.convert_time_zone(zone))
    texts = frame.with_columns(WHEN.dt.strftime("%Y-%m-%dT%H:%M:%S%:z"))
    for events in (frame, texts):
        risk = forecast_grid(
            events,
            at=at,
            model="counting",
            origin_xy=(0, 0),
            cell_size_m=10,
            shape=(1, 3),
        )
        np.testing.assert_array_equal(risk, [expected])
