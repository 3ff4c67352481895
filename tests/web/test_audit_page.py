"""The audit page and its CSV export: admin only, filtered, safe in a spreadsheet."""

from __future__ import annotations

import csv
import io

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from avert.store import audit
from avert.workflows.views import audit_csv
from web.helpers import World, csrf_of, signed_in


def test_admin_filters_and_exports_the_audit_log(world: World) -> None:
    audit.record(
        world.store,
        action="view",
        obj="person:P9999999",
        reason='=HYPERLINK("http://evil.example","x")',
        user="mallory",
    )
    admin = signed_in(world.app, "admin")
    page = admin.get("/audit", params={"user_name": "mallory"})
    assert page.status_code == 200
    assert "person:P9999999" in page.text
    export = admin.get("/audit.csv", params={"user_name": "mallory"})
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert [r["user_name"] for r in rows] == ["mallory"]
    assert rows[0]["reason"].startswith("'=")
    log = world.store.read_frame("audit")
    exports = log.filter((log["action"] == "export") & (log["user_name"] == "admin"))
    assert "audit.csv" in exports["object"].to_list()


def test_sign_ins_are_audited(world: World) -> None:
    signed_in(world.app, "board")
    log = world.store.read_frame("audit")
    assert "login" in log.filter(log["user_name"] == "board")["action"].to_list()


@given(st.lists(st.text(max_size=12), min_size=1, max_size=6))
def test_no_csv_cell_starts_a_formula(values: list[str]) -> None:
    frame = pl.DataFrame({"reason": values})
    rows = list(csv.reader(io.StringIO(audit_csv(frame))))[1:]
    for (cell,), original in zip(rows, values, strict=True):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        assert cell.endswith(original.replace("\r\n", "\n")) or "\r" in original


def _new_rows(world: World, seen: int) -> pl.DataFrame:
    log = world.store.read_frame("audit", order_by=["seq"])
    return log.slice(seen)


def test_a_person_view_is_audited_under_the_viewers_role(world: World) -> None:
    person_id = min(world.person_ids)
    officer = signed_in(world.app, "officer")
    page = officer.get(f"/people/{person_id}")
    seen = world.store.read_frame("audit").height
    opened = officer.post(
        f"/people/{person_id}",
        data={"purpose": "risk meeting follow-up", "csrf_token": csrf_of(page.text)},
    )
    assert opened.status_code == 200
    views = _new_rows(world, seen).filter(pl.col("object") == f"person:{person_id}")
    assert views.select("user_name", "role", "reason").rows() == [
        ("officer", "officer", "risk meeting follow-up")
    ]


def test_the_groups_page_is_audited_once_under_the_signed_in_user(
    world: World,
) -> None:
    partner = signed_in(world.app, "partner")
    seen = world.store.read_frame("audit").height
    assert partner.get("/groups").status_code == 200
    rows = _new_rows(world, seen).filter(pl.col("action") == "view")
    assert rows.select("user_name", "role").rows() == [("partner", "partner")]


def test_the_groups_page_shared_between_requests_is_audited_each_time(
    world: World,
) -> None:
    """The page's analysis is kept between requests (one per load): every request
    that shows it still writes its own audit row."""
    from avert.web import create_app

    app = create_app(world.settings, world.store)  # a new, empty cache
    analyst = signed_in(app, "analyst")
    seen = world.store.read_frame("audit").height
    first = analyst.get("/groups")
    second = analyst.get("/groups")
    assert first.status_code == second.status_code == 200
    rows = _new_rows(world, seen).filter(pl.col("action") == "view")
    assert rows.select("user_name", "object").rows() == [
        ("analyst", "analysis:groups"),
        ("analyst", "analysis:groups"),
    ]


def test_looking_at_the_audit_log_is_audited(world: World) -> None:
    """The log names staff and the people they looked at: the page and the API
    write a ``view audit:list`` row under the admin (docs/audit.md), the export
    one ``export`` row, as ``avert audit list`` and ``export`` do."""
    from fastapi.testclient import TestClient

    from avert.workflows.users import issue_token

    admin = signed_in(world.app, "admin")
    token = issue_token(world.store, "admin")
    seen = world.store.read_frame("audit").height
    assert admin.get("/audit", params={"action": "login"}).status_code == 200
    api = TestClient(world.app).get(
        "/api/v1/audit", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 200
    assert admin.get("/audit.csv").status_code == 200
    rows = _new_rows(world, seen).filter(pl.col("action") != "token-use")
    assert rows.select("user_name", "role", "action", "object").rows() == [
        ("admin", "admin", "view", "audit:list"),
        ("admin", "admin", "view", "audit:list"),
        ("admin", "admin", "export", "audit.csv"),
    ]
    assert "action=login" in (rows["detail"][0] or "")


def test_a_briefing_view_audits_every_person_it_shows(world: World) -> None:
    """The row of a briefing counts every person id the answer holds (not only
    the people-of-concern section) and carries their digest and the audience,
    as ``avert brief``'s row does (docs/audit.md)."""
    import re

    from fastapi.testclient import TestClient

    from avert.workflows.users import issue_token

    token = issue_token(world.store, "chair")
    seen = world.store.read_frame("audit").height
    answer = TestClient(world.app).get(
        "/api/v1/briefing",
        params={"hours": 168},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    shown = set(re.findall(r"\bP\d{7}\b", answer.text)) & world.person_ids
    assert len(shown) > 10, "the check needs a briefing that names people"
    row = _new_rows(world, seen).filter(pl.col("action") == "view").row(0, named=True)
    n, digest = audit.people_digest(sorted(shown))
    assert f"people={n}; people_sha256={digest}" in row["detail"]
    assert "audience=police" in row["detail"]
    assert f"{n} people" in row["reason"]


def test_the_page_says_how_many_rows_match_when_it_shows_fewer(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page shows the newest rows only (1,000): it says so, and how many match,
    where it used to cut the list without a word (found walking the demo city)."""
    from avert.web import pages

    for n in range(3):
        audit.record(
            world.store, action="view", obj=f"cut:{n}", reason="test", user="cutter"
        )
    monkeypatch.setattr(pages, "AUDIT_PAGE_ROWS", 2, raising=False)
    admin = signed_in(world.app, "admin")
    page = admin.get("/audit", params={"user_name": "cutter"})
    assert page.status_code == 200
    assert "The newest 2 of the 3 rows that match" in page.text
    assert "cut:2" in page.text
    assert "cut:1" in page.text
    assert "cut:0" not in page.text  # the oldest, left out (the CSV holds it)
    export = admin.get("/audit.csv", params={"user_name": "cutter"})
    assert "cut:0" in export.text
    audit.record(
        world.store, action="view", obj="cut:alone", reason="test", user="cutter-alone"
    )
    whole = admin.get("/audit", params={"user_name": "cutter-alone"})
    assert "1 row matches." in whole.text
    assert "The newest" not in whole.text


def test_the_api_says_how_many_rows_match_beside_those_it_lists(world: World) -> None:
    """``GET /api/v1/audit`` cut at its ``limit`` without a word: its ``total``
    counts every row that matches, as the Audit page says."""
    from fastapi.testclient import TestClient

    from avert.workflows.users import issue_token

    for n in range(3):
        audit.record(
            world.store, action="view", obj=f"api-cut:{n}", reason="test", user="apicut"
        )
    token = issue_token(world.store, "admin")
    answer = TestClient(world.app).get(
        "/api/v1/audit",
        params={"user_name": "apicut", "limit": 2},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert [r["object"] for r in body["rows"]] == ["api-cut:2", "api-cut:1"]
    assert body["total"] == 3


def test_a_cut_csv_export_says_so_and_the_page_says_the_csv_is_cut(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CSV export stops at the newest 1,000,000 rows; the page said it "holds
    every one" and the cut file was named as a whole one."""
    from avert.web import pages

    for n in range(3):
        audit.record(
            world.store, action="view", obj=f"csvcut:{n}", reason="t", user="csvcut"
        )
    monkeypatch.setattr(pages, "AUDIT_PAGE_ROWS", 1, raising=False)
    monkeypatch.setattr(pages, "AUDIT_CSV_ROWS", 2, raising=False)
    admin = signed_in(world.app, "admin")
    page = admin.get("/audit", params={"user_name": "csvcut"})
    assert "holds the newest 2 of them" in page.text
    assert "holds every one" not in page.text
    export = admin.get("/audit.csv", params={"user_name": "csvcut"})
    assert [r["object"] for r in csv.DictReader(io.StringIO(export.text))] == [
        "csvcut:2",
        "csvcut:1",
    ]
    assert export.headers["x-avert-rows-matching"] == "3"
    assert export.headers["x-avert-rows-sent"] == "2"
    assert "avert-audit-newest-2-of-3.csv" in export.headers["content-disposition"]
    monkeypatch.setattr(pages, "AUDIT_CSV_ROWS", 3, raising=False)
    whole = admin.get("/audit.csv", params={"user_name": "csvcut"})
    assert whole.headers["x-avert-rows-sent"] == "3"
    assert '"avert-audit.csv"' in whole.headers["content-disposition"]
    assert "holds every one" in admin.get("/audit", params={"user_name": "csvcut"}).text


def test_the_csv_exports_row_names_the_filters_of_the_rows_it_holds(
    world: World,
) -> None:
    """The export's audit row said only "web export, N rows": not whose rows,
    nor of which action or time, were taken away (``avert audit export``'s row
    names its filters)."""
    audit.record(
        world.store, action="view", obj="person:P9999998", reason="t", user="eve"
    )
    admin = signed_in(world.app, "admin")
    export = admin.get(
        "/audit.csv",
        params={"user_name": "eve", "action": "view", "since": "2020-01-01T00:00"},
    )
    assert export.status_code == 200
    log = world.store.read_frame("audit")
    row = log.filter((log["action"] == "export") & (log["object"] == "audit.csv")).row(
        -1, named=True
    )
    assert "user_name=eve" in row["detail"]
    assert "action=view" in row["detail"]
    assert "since=2020-01-01T00:00" in row["detail"]
