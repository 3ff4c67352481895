"""The briefing's near-repeat zones are for patrols: by default domestic incidents
are left out of the Knox test and are never a zone's centre (a repeat of domestic
abuse at the victim's home is for the DASH and repeat-victims sections), and a
partner's page never shows a zone around one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from avert.access import Pseudonymiser
from avert.briefing import daily_briefing
from avert.config.places import (
    NearRepeatConfig,
    PlacesConfig,
    load_places_config,
)
from avert.store import Store
from avert.workflows.forecast import briefing_places
from avert.workflows.places import DOMESTIC_LEFT_OUT, near_repeat_zones

AT = dt.datetime(2025, 3, 10, 8)
INCLUDE = NearRepeatConfig(domestic="include")


def _background(rng: np.random.Generator, n: int, *, contagious: bool) -> pl.DataFrame:
    """``n`` non-domestic incidents over the year before ``AT`` on 5 x 5 km, with
    (``contagious``) half of them followed within ~25 m and 3 days, or none."""
    x = rng.uniform(0, 5000, n)
    y = rng.uniform(0, 5000, n)
    t = rng.uniform(1, 365, n)
    if contagious:
        k = rng.random(n) < 0.5
        x = np.concatenate([x, x[k] + rng.normal(0, 25, k.sum())])
        y = np.concatenate([y, y[k] + rng.normal(0, 25, k.sum())])
        t = np.concatenate([t, t[k] - rng.uniform(0, 3, k.sum())])
    # a few in the last 24 hours, to draw zones around
    t[:4] = rng.uniform(0.05, 0.9, 4)
    return _frame(x, y, t, domestic=False)


def _domestic_repeats(rng: np.random.Generator, homes: int = 60) -> pl.DataFrame:
    """Escalating domestic abuse at ``homes`` homes: 4 incidents each, at the home
    (within a few metres), within 10 days; 6 of the homes' last in the last day."""
    hx = rng.uniform(0, 5000, homes)
    hy = rng.uniform(0, 5000, homes)
    last = rng.uniform(1, 355, homes)
    last[:6] = rng.uniform(0.05, 0.9, 6)
    gaps = np.sort(rng.uniform(0, 10, (homes, 4)), axis=1)
    t = (last[:, None] + gaps - gaps[:, :1]).ravel()  # days before AT
    x = np.repeat(hx, 4) + rng.normal(0, 3, homes * 4)
    y = np.repeat(hy, 4) + rng.normal(0, 3, homes * 4)
    return _frame(x, y, t, domestic=True)


def _frame(
    x: np.ndarray, y: np.ndarray, days_before: np.ndarray, *, domestic: bool
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "occurred_from": [AT - dt.timedelta(days=float(d)) for d in days_before],
            "x": x,
            "y": y,
            "domestic": domestic,
            "time_precision": "exact",
            "source": "test",
        }
    )


def _city(seed: int, *, contagious: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pl.concat(
        [_background(rng, 600, contagious=contagious), _domestic_repeats(rng)]
    )
    return frame.filter(pl.col("occurred_from") < AT).with_columns(
        incident_id=pl.format("I{}", pl.int_range(pl.len())),
        in_definition=pl.lit(value=True),
        category=pl.lit("assault_with_injury"),
        harm_days=pl.lit(180.0),
    )


def _store(tmp_path: Path, frame: pl.DataFrame) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'nr.db'}")
    store.upgrade()
    with store.transaction() as tx:
        tx.append(
            "incidents",
            frame.select(
                "incident_id",
                "occurred_from",
                "x",
                "y",
                "domestic",
                "time_precision",
                "source",
            ),
        )
    return store


def _recent(frame: pl.DataFrame, *, domestic: bool) -> pl.DataFrame:
    return frame.filter(
        (pl.col("occurred_from") >= AT - dt.timedelta(hours=24))
        & (pl.col("domestic") == domestic)
    )


def test_a_city_whose_only_contagion_is_domestic_repeats_at_home_gives_no_zones(
    tmp_path: Path,
) -> None:
    frame = _city(3, contagious=False)
    store = _store(tmp_path, frame)
    fc = briefing_places(store, at=AT, profile="avb-2010")
    assert fc is not None
    assert fc.zone_radius_m == 0
    assert fc.zones.height == 0
    assert fc.first_band_p is not None
    assert fc.first_band_p > 0.05
    day = dt.datetime.combine(AT.date(), dt.time())  # the test's: once a day
    n_year = frame.filter(
        pl.col("domestic")
        & pl.col("occurred_from").is_between(
            day - dt.timedelta(days=365), day, closed="left"
        )
    ).height
    assert f"{n_year:,} {DOMESTIC_LEFT_OUT}" in fc.zones_note
    assert (
        "No near-repeat contagion in your own data (its non-domestic" in fc.zones_note
    )
    b = daily_briefing(frame, at=AT, places_forecast=fc)
    near = b.places_summary["near_repeat"]
    assert not near["contagion"]
    assert near["zones"] == []
    assert "DASH and repeat-victims sections" in near["line"]
    # what the briefing marked before: the domestic repeats read as contagion, and
    # zones were drawn around the victims' homes
    before = briefing_places(store, at=AT, profile="avb-2010", near_repeat=INCLUDE)
    assert before is not None
    assert before.first_band_p == pytest.approx(0.01)
    assert before.zones.height >= _recent(frame, domestic=True).height > 0
    assert DOMESTIC_LEFT_OUT not in before.zones_note


def test_planted_non_domestic_contagion_still_gives_zones_none_at_a_home(
    tmp_path: Path,
) -> None:
    frame = _city(4, contagious=True)
    fc = briefing_places(_store(tmp_path, frame), at=AT, profile="avb-2010")
    assert fc is not None
    assert fc.first_band_p == pytest.approx(0.01)
    assert fc.zone_radius_m >= 100
    recent = _recent(frame, domestic=False)
    homes = _recent(frame, domestic=True)
    assert homes.height > 0
    assert fc.zones.height == recent.height > 0
    centres = set(zip(fc.zones["x"].to_list(), fc.zones["y"].to_list(), strict=True))
    assert centres == set(
        zip(recent["x"].to_list(), recent["y"].to_list(), strict=True)
    )
    assert not centres & set(
        zip(homes["x"].to_list(), homes["y"].to_list(), strict=True)
    )
    assert "Near repeats in your own data (its non-domestic incidents)" in fc.zones_note


def test_a_partner_never_sees_a_zone_around_a_domestic_incident(tmp_path: Path) -> None:
    """Even when a force keeps domestic incidents in its zones ("include"), a
    partner's page drops the zones around them: they point at a victim's home."""
    frame = _city(4, contagious=True)
    fc = briefing_places(
        _store(tmp_path, frame), at=AT, profile="avb-2010", near_repeat=INCLUDE
    )
    assert fc is not None
    n_domestic = _recent(frame, domestic=True).height
    n_other = _recent(frame, domestic=False).height
    assert fc.zones.height == n_domestic + n_other
    police = daily_briefing(frame, at=AT, places_forecast=fc)
    assert len(police.places_summary["near_repeat"]["zones"]) == n_domestic + n_other
    partner = daily_briefing(
        frame,
        at=AT,
        places_forecast=fc,
        audience="partner",
        pseudonymiser=Pseudonymiser("test-key"),
    )
    assert len(partner.places_summary["near_repeat"]["zones"]) == n_other


def test_events_without_a_domestic_flag_are_kept_and_said_to_be() -> None:
    """An events file has no flag: nothing can be left out, and the note says so."""
    frame = _city(3, contagious=False).select(
        "x", "y", pl.col("occurred_from").alias("occurred_at")
    )
    nr = near_repeat_zones(
        frame, at=AT, space_bands_m=(0, 100, 200), time_bands_days=(0, 7, 14)
    )
    assert nr.n_domestic == 0
    assert "carry no domestic flag" in nr.note
    assert nr.radius_m > 0  # the homes' repeats, which nothing tells apart


def test_the_domestic_setting_is_declared_in_places_toml(tmp_path: Path) -> None:
    assert load_places_config().near_repeat == NearRepeatConfig()
    assert NearRepeatConfig().domestic == "exclude"
    assert NearRepeatConfig().source
    bad = tmp_path / "places.toml"
    bad.write_text('[near_repeat]\ndomestic = "sometimes"\n', encoding="utf-8")
    with pytest.raises(Exception, match=r"near_repeat\.domestic: must be 'exclude' or"):
        load_places_config(bad)
    bad.write_text('[near_repeat]\ndomestic = "include"\n', encoding="utf-8")
    assert load_places_config(bad) == PlacesConfig(near_repeat=INCLUDE, source=str(bad))


def test_places_toml_holds_exactly_the_defaults() -> None:
    import tomllib

    from avert.config._toml import packaged_path, to_table

    with packaged_path("places.toml").open("rb") as fh:
        assert to_table(PlacesConfig()) == tomllib.load(fh)


def test_a_store_whose_data_carries_no_domestic_flag_is_not_said_to_be_split(
    tmp_path: Path,
) -> None:
    """police.uk data and a table mapped without a flag store ``domestic`` null: the
    zones are as before, and the line does not claim "0 left out" or "its
    non-domestic incidents" of data that cannot tell them apart."""
    frame = _city(4, contagious=True).with_columns(
        domestic=pl.lit(None, dtype=pl.Boolean)
    )
    fc = briefing_places(_store(tmp_path, frame), at=AT, profile="avb-2010")
    assert fc is not None
    assert (
        fc.zones.height
        == _recent(frame.with_columns(domestic=False), domestic=False).height
    )
    assert fc.zone_radius_m >= 100
    assert DOMESTIC_LEFT_OUT not in fc.zones_note
    assert "non-domestic" not in fc.zones_note
    assert "carry no domestic flag" in fc.zones_note


def test_flags_filled_in_since_the_last_briefing_are_read_again(tmp_path: Path) -> None:
    """The memo's key holds the null flags: a store whose domestic flags were filled
    in (null to false, the count of true unchanged) gets its line again, not the one
    that said the data carried no flag. The flags are filled in by SQL here, so the
    data generation is raised as every write through the store raises it (the
    window's reads are kept for a generation: avert.store.kept)."""
    frame = _city(4, contagious=True).with_columns(
        domestic=pl.lit(None, dtype=pl.Boolean)
    )
    store = _store(tmp_path, frame)
    first = briefing_places(store, at=AT, profile="avb-2010")
    assert first is not None
    assert "carry no domestic flag" in first.zones_note
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE incidents SET domestic = 0")
        conn.exec_driver_sql(
            "UPDATE data_generation SET generation = generation + 1 WHERE id = 1"
        )
    again = briefing_places(store, at=AT, profile="avb-2010")
    assert again is not None
    assert f"0 {DOMESTIC_LEFT_OUT}" in again.zones_note


def _classified(tmp_path: Path, frame: pl.DataFrame) -> Store:
    """:func:`_store` with the incidents classified under avb-2010, as ``avert
    brief`` needs them."""
    store = _store(tmp_path, frame)
    with store.transaction() as tx:
        tx.append(
            "classifications",
            frame.select(
                "incident_id",
                pl.lit("avb-2010").alias("profile"),
                "in_definition",
                "category",
                "harm_days",
            ),
        )
    return store


def _brief(store: Store, out: Path) -> tuple[int, str, dict[str, Any]]:
    """``avert brief`` (police, no PDF) on ``store``: exit code, output, JSON."""
    from typer.testing import CliRunner

    from avert.cli import app

    result = CliRunner().invoke(
        app,
        [
            "--db",
            store.url.sqlalchemy,
            "brief",
            "--at",
            AT.isoformat(),
            "--out",
            str(out),
            "--no-pdf",
        ],
    )
    path = out / "briefing.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    text = f"{result.output} {result.exception}"
    return result.exit_code, " ".join(text.split()), data


def test_the_places_config_setting_keeps_domestic_incidents_in_avert_brief(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``AVERT_PLACES_CONFIG`` naming a places.toml with ``domestic = "include"``
    gives ``avert brief`` zones around domestic incidents too (before, no setting
    reached it: the briefing always read the packaged "exclude")."""
    frame = _city(4, contagious=True)
    store = _classified(tmp_path, frame)
    n_domestic = _recent(frame, domestic=True).height
    n_other = _recent(frame, domestic=False).height
    assert n_domestic > 0
    monkeypatch.delenv("AVERT_PLACES_CONFIG", raising=False)
    code, text, packaged = _brief(store, tmp_path / "packaged")
    assert code == 0, text
    assert len(packaged["places_summary"]["near_repeat"]["zones"]) == n_other
    own = tmp_path / "places.toml"
    own.write_text('[near_repeat]\ndomestic = "include"\n', encoding="utf-8")
    monkeypatch.setenv("AVERT_PLACES_CONFIG", str(own))
    code, text, included = _brief(store, tmp_path / "own")
    assert code == 0, text
    zones = included["places_summary"]["near_repeat"]["zones"]
    assert len(zones) == n_domestic + n_other
    assert DOMESTIC_LEFT_OUT not in included["places_summary"]["near_repeat"]["line"]


def test_a_bad_places_config_file_stops_the_briefing_naming_file_and_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value not allowed or an unknown key stops ``avert brief`` (no files) and
    the web app's start with an error naming the file and the key."""
    from avert.config.settings import Settings
    from avert.errors import ConfigError
    from avert.web.app import create_app

    store = _classified(tmp_path, _city(4, contagious=True))
    bad = tmp_path / "bad-places.toml"
    bad.write_text('[near_repeat]\ndomestic = "sometimes"\n', encoding="utf-8")
    monkeypatch.setenv("AVERT_PLACES_CONFIG", str(bad))
    code, text, data = _brief(store, tmp_path / "out")
    assert code != 0
    assert not data
    assert "bad-places.toml" in text
    assert "near_repeat.domestic" in text
    bad.write_text("[near_repeat]\ndomestc = 'include'\n", encoding="utf-8")
    settings = Settings(
        secret_key="k3Y-" + "q8Zp".join("abcdefghij"), places_config=str(bad)
    )
    with pytest.raises(ConfigError, match=r"bad-places\.toml.*domestc"):
        create_app(settings, store)


def test_the_web_today_briefing_reads_the_places_config_setting(
    tmp_path: Path,
) -> None:
    """The web app's Today briefing (:func:`briefing_view`, its cache shared)
    follows the ``places_config`` setting: the packaged "exclude", then a file
    saying "include", each with its own zones (not the cached briefing's)."""
    from avert.config.settings import Settings
    from avert.workflows.users import User
    from avert.workflows.views import BriefingCache, briefing_view

    frame = _city(4, contagious=True)
    store = _classified(tmp_path, frame)
    n_domestic = _recent(frame, domestic=True).height
    n_other = _recent(frame, domestic=False).height
    own = tmp_path / "places.toml"
    own.write_text('[near_repeat]\ndomestic = "include"\n', encoding="utf-8")
    cache = BriefingCache()

    def zones(settings: Settings) -> int:
        view = briefing_view(
            store, settings, user=User("ana", "analyst"), at=AT, cache=cache
        )
        return len(view.data["places_summary"]["near_repeat"]["zones"])

    assert zones(Settings()) == n_other
    assert zones(Settings(places_config=str(own))) == n_domestic + n_other
    assert zones(Settings(places_config=" ")) == n_other  # empty: the packaged file


def _knox(store: Store, *flags: str) -> tuple[int, dict[str, Any], str]:
    """``avert analyse near-repeat --json`` over the year before ``AT``: exit code,
    JSON (empty on an error) and output."""
    from typer.testing import CliRunner

    from avert.cli import app

    result = CliRunner().invoke(
        app,
        [
            "--db",
            store.url.sqlalchemy,
            "analyse",
            "near-repeat",
            "--from",
            (AT - dt.timedelta(days=365)).isoformat(),
            "--to",
            AT.isoformat(),
            "--space",
            "0,100,200",
            "--time",
            "0,7,14",
            "--sims",
            "99",
            "--json",
            *flags,
        ],
        env={"COLUMNS": "300"},
    )
    text = " ".join(f"{result.output} {result.exception}".split())
    if result.exit_code != 0:
        return result.exit_code, {}, text
    return result.exit_code, json.loads(result.stdout), text


def test_the_knox_cli_chooses_domestic_incidents_as_the_places_config_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``avert analyse near-repeat`` tested every incident, domestic or not, with
    no way to choose: ``--domestic/--no-domestic``, by default the places
    configuration's ``near_repeat.domestic`` (packaged "exclude", as the zones)."""
    frame = _city(3, contagious=False)
    store = _classified(tmp_path, frame)
    year = frame.filter(pl.col("occurred_from") >= AT - dt.timedelta(days=365))
    n_all = year.height
    n_domestic = year.filter(pl.col("domestic")).height
    assert 0 < n_domestic < n_all
    monkeypatch.delenv("AVERT_PLACES_CONFIG", raising=False)

    code, packaged, text = _knox(store)
    assert code == 0, text
    assert packaged["n_events"] == n_all - n_domestic
    assert packaged["params"]["domestic"] == "exclude"
    assert any(
        n.startswith(f"{n_domestic:,} domestic incidents left out of the test")
        for n in packaged["notes"]
    ), packaged["notes"]
    code, kept, text = _knox(store, "--domestic")
    assert code == 0, text
    assert kept["n_events"] == n_all
    assert kept["params"]["domestic"] == "include"
    # the homes' repeats, tested, read as contagion; without them, none
    assert kept["bands"][0]["p_value"] <= 0.05 < packaged["bands"][0]["p_value"]

    own = tmp_path / "places.toml"
    own.write_text('[near_repeat]\ndomestic = "include"\n', encoding="utf-8")
    monkeypatch.setenv("AVERT_PLACES_CONFIG", str(own))
    code, included, text = _knox(store)
    assert code == 0, text
    assert included["n_events"] == n_all
    code, left_out, text = _knox(store, "--no-domestic")  # the option wins
    assert code == 0, text
    assert left_out["n_events"] == n_all - n_domestic

    own.write_text('[near_repeat]\ndomestic = "sometimes"\n', encoding="utf-8")
    code, _, text = _knox(store)
    assert code != 0
    assert "places.toml" in text
    assert "near_repeat.domestic" in text
    code, _, text = _knox(store, "--domestic")  # the option needs no file
    assert code == 0, text
    code, _, text = _knox(store, "--domestic", "--no-domestic")
    assert code == 2
    assert "not both" in text


def test_the_knox_cli_says_an_events_file_carries_no_domestic_flag(
    tmp_path: Path,
) -> None:
    """An events file has no domestic flag: every event is tested, and a note says
    none could be told apart (not "0 left out")."""
    from typer.testing import CliRunner

    from avert.cli import app

    path = tmp_path / "events.csv"
    _city(3, contagious=False).select(
        "x", "y", pl.col("occurred_from").alias("occurred_at")
    ).write_csv(path)
    result = CliRunner().invoke(
        app,
        ["analyse", "near-repeat", "--events-file", str(path), "--sims", "9", "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["n_events"] == _city(3, contagious=False).height
    assert any("carry no domestic flag" in n for n in data["notes"]), data["notes"]
    assert not any("left out of the test" in n for n in data["notes"])


def test_the_web_today_briefing_sees_an_edited_config_file_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Today page's cached briefing was keyed by the config files' paths: a
    places.toml (or risk.toml) edited while the app ran was not seen until the
    cached briefing expired (ten minutes, a whole meeting). Now the key is what
    the files say: the next request after an edit is computed again."""
    from avert.config.settings import Settings
    from avert.workflows import views
    from avert.workflows.users import User

    frame = _city(4, contagious=True)
    store = _classified(tmp_path, frame)
    n_domestic = _recent(frame, domestic=True).height
    n_other = _recent(frame, domestic=False).height
    assert n_domestic > 0
    places = tmp_path / "places.toml"
    places.write_text('[near_repeat]\ndomestic = "exclude"\n', encoding="utf-8")
    risk = tmp_path / "risk.toml"
    risk.write_text("[offender.weights]\nharm = 1.0\n", encoding="utf-8")
    settings = Settings(places_config=str(places), risk_config=str(risk))
    weights: list[float] = []
    build = views.build_briefing

    def recording(*args: Any, **kwargs: Any) -> Any:
        weights.append(kwargs["risk_config"].offender.weights["harm"])
        return build(*args, **kwargs)

    monkeypatch.setattr(views, "build_briefing", recording)
    cache = views.BriefingCache()

    def zones() -> int:
        view = views.briefing_view(
            store, settings, user=User("ana", "analyst"), at=AT, cache=cache
        )
        return len(view.data["places_summary"]["near_repeat"]["zones"])

    assert zones() == n_other
    assert zones() == n_other
    assert weights == [1.0]  # the second request: the cached briefing
    places.write_text('[near_repeat]\ndomestic = "include"\n', encoding="utf-8")
    assert zones() == n_domestic + n_other
    risk.write_text("[offender.weights]\nharm = 4.0\n", encoding="utf-8")
    zones()
    assert weights == [1.0, 1.0, 4.0]


def test_the_knox_cli_refuses_a_window_of_domestic_incidents_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A window whose every event is flagged domestic left nothing to test under
    the default "exclude": the CLI printed a table of 0 observed, 0 expected and
    p = 1.0 in every band (read as "no near repeats") where a window without any
    event is refused, and the briefing says "No near-repeat test". It is refused,
    saying why and that ``--domestic`` keeps them."""
    frame = _city(3, contagious=False).filter(pl.col("domestic"))
    store = _classified(tmp_path, frame)
    monkeypatch.delenv("AVERT_PLACES_CONFIG", raising=False)

    code, data, text = _knox(store)
    assert code != 0, data
    n = frame.filter(pl.col("occurred_from") >= AT - dt.timedelta(days=365)).height
    assert f"all {n:,} events of the window are flagged domestic" in text, text
    assert "--domestic keeps them" in text
    code, kept, text = _knox(store, "--domestic")
    assert code == 0, text
    assert kept["n_events"] == n


def test_the_places_config_setting_names_every_reader() -> None:
    """``avert analyse near-repeat`` reads ``places_config`` for its default too;
    the setting's help (docs/settings.md) named only the briefing's readers."""
    from avert.config.settings import SETTINGS

    (help_text,) = [h for name, _, _, h in SETTINGS if name == "places_config"]
    assert "'avert analyse near-repeat'" in help_text


def test_the_web_today_briefing_refuses_a_bad_edit_not_a_stale_page(
    tmp_path: Path,
) -> None:
    """A places.toml edited to a value not allowed while the app runs stops the
    next Today request with an error naming the file and the key (the app's 503
    page), not the briefing cached from the good file."""
    from avert.config.settings import Settings
    from avert.errors import ConfigError
    from avert.workflows import views
    from avert.workflows.users import User

    store = _classified(tmp_path, _city(4, contagious=True))
    places = tmp_path / "places.toml"
    places.write_text('[near_repeat]\ndomestic = "exclude"\n', encoding="utf-8")
    settings = Settings(places_config=str(places))
    cache = views.BriefingCache()
    user = User("ana", "analyst")
    views.briefing_view(store, settings, user=user, at=AT, cache=cache)
    places.write_text('[near_repeat]\ndomestic = "sometimes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"places\.toml.*near_repeat\.domestic"):
        views.briefing_view(store, settings, user=user, at=AT, cache=cache)


def test_a_year_of_domestic_incidents_only_is_said_so_not_no_events(
    tmp_path: Path,
) -> None:
    """With every incident of the Knox test's year flagged domestic, the briefing's
    zones line read "No near-repeat test: No events with coordinates and a time in
    the window.", as if the year held none; it says they were all left out."""
    frame = _city(3, contagious=False).filter(pl.col("domestic"))
    fc = briefing_places(_store(tmp_path, frame), at=AT, profile="avb-2010")
    assert fc is not None
    day = dt.datetime.combine(AT.date(), dt.time())  # the test's: once a day
    n_year = frame.filter(
        pl.col("occurred_from").is_between(
            day - dt.timedelta(days=365), day, closed="left"
        )
    ).height
    assert fc.zones.height == 0
    assert "No events with coordinates" not in fc.zones_note, fc.zones_note
    said = f"all {n_year:,} incidents of the 365 days before 10 Mar 2025 are flagged"
    assert said in fc.zones_note, fc.zones_note


def _zone_of_one_added(at: dt.datetime, precision: str) -> tuple[int, pl.DataFrame]:
    """The zones' ``days`` and the zone rows of one incident stored at ``at`` with
    ``time_precision`` ``precision``, added to a city with contagion (so the test
    finds it and zones are drawn)."""
    one = pl.DataFrame(
        {
            "x": [2500.0],
            "y": [2500.0],
            "occurred_at": [at],
            "time_precision": [precision],
            "domestic": [False],
        }
    )
    city = _city(3, contagious=True).select(
        "x",
        "y",
        pl.col("occurred_from").alias("occurred_at"),
        "time_precision",
        "domestic",
    )
    nr = near_repeat_zones(
        pl.concat([city, one]),
        at=AT,
        space_bands_m=(0, 100, 200),
        time_bands_days=(0, 7, 14),
    )
    assert nr.radius_m > 0
    return nr.days, nr.zones.filter(pl.col("occurred_at") == at)


def test_an_incident_dated_alone_on_the_window_s_first_day_has_its_zone() -> None:
    """An incident dated alone (``time_precision`` ``day``, stored at 00:00) on the
    day the window starts (08:00 the day before AT): the briefing lists it among the
    window's incidents, but it had no near-repeat zone (its 00:00 fell before the
    window); and a zone's end was counted from that 00:00, though it may have
    happened late that day. It has its zone, ending ``days`` after its day's end."""
    day = dt.datetime.combine((AT - dt.timedelta(days=1)).date(), dt.time())
    days, mine = _zone_of_one_added(day, "day")
    assert mine.height == 1
    assert mine["until"][0] == day + dt.timedelta(days=days + 1)


def test_a_zone_of_an_incident_recorded_to_the_hour_runs_from_its_hour_s_end() -> None:
    """An incident recorded to the hour (``time_precision`` ``hour``, stored at
    HH:00, as Toronto's table): its zone ended ``days`` after HH:00, up to 59
    minutes before the zone of an attack at HH:59. It ends ``days`` after the
    hour's end, the rule of one dated alone."""
    hour = (AT - dt.timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    days, mine = _zone_of_one_added(hour, "hour")
    assert mine.height == 1
    assert mine["until"][0] == hour + dt.timedelta(days=days, hours=1)
