"""The board pack on data that name no one (data.police.uk's street crimes: no
person record, no group): its check read "20 of the 20 top-harm people, places and
groups have no action" and its footer "People are shown as pseudonyms only", telling
the board of people there are not; it now says "top-harm places" and that the store
holds no person records. City of London Police, June 2019 (tests/data/policeuk,
OGL v3.0)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import polars as pl

from avert.config.settings import load_settings
from avert.delivery.checks import top_subject_kinds
from avert.store import Store
from avert.workflows import delivery
from avert.workflows.definitions import classify_store
from avert.workflows.load import load_files

CITY_JUNE = (
    Path(__file__).parents[1]
    / "data"
    / "policeuk"
    / "2019-06"
    / "2019-06-city-of-london-street.csv"
)
SETTINGS = load_settings({"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_pack_of_open_data_names_places_not_people(
    sqlite_store: Store, tmp_path: Path
) -> None:
    load_files(sqlite_store, [CITY_JUNE])
    classify_store(sqlite_store, profile="avb-2010")
    (page,) = delivery.board_pack(
        sqlite_store, SETTINGS, month="2019-06", out_dir=tmp_path, pdf=False
    )
    text = _text(page.read_text(encoding="utf-8"))
    assert "20 of the 20 top-harm places have no action" in text
    assert "people, places and groups" not in text
    assert "People are shown as pseudonyms" not in text
    assert "The store holds no person records" in text
    # a store with person records: they are shown as pseudonyms
    with sqlite_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P1"], "source": "t"}))
    (page,) = delivery.board_pack(
        sqlite_store, SETTINGS, month="2019-06", out_dir=tmp_path, pdf=False
    )
    assert "People are shown as pseudonyms only" in page.read_text(encoding="utf-8")


def test_the_kinds_are_those_the_top_holds() -> None:
    def kinds(types: list[str]) -> str:
        return top_subject_kinds(pl.DataFrame({"subject_type": types}))

    assert kinds(["place"] * 3) == "places"
    assert kinds(["place"]) == "place"
    assert kinds(["person", "place", "group"]) == "people, places and groups"
    assert kinds(["place", "person"]) == "people and places"
    assert kinds([]) == "subjects"
