"""A fuzz of the JSON API from its own OpenAPI schema: no answer is a server error."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from avert.workflows.users import issue_token
from web.helpers import World

VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(
        [
            "2026-11-24T06:00",
            "2026-02-30T00:00",
            "9999-12-31T23:59",
            "0001-01-01",
            "2026-11-24T06:00+05:00",
            "24",
            "0",
            "-1",
            "weapon",
            "domestic",
            "'; DROP",
        ]
    ),
)


def _operations(client: TestClient) -> list[tuple[str, list[str]]]:
    """(path template, query parameter names) of every GET under /api/v1."""
    schema: dict[str, Any] = client.get("/openapi.json").json()
    out = []
    for path, ops in schema["paths"].items():
        if path.startswith("/api/v1/") and "get" in ops:
            names = [
                p["name"]
                for p in ops["get"].get("parameters", [])
                if p["in"] == "query"
            ]
            out.append((path, names))
    return out


@settings(
    max_examples=40,
    deadline=None,
    # no shrinking: each example runs a briefing, and a failure prints its input
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_api_never_answers_500(world: World, data: st.DataObject) -> None:
    client = TestClient(world.app)
    operations = _operations(client)
    assert {p for p, _ in operations} >= {
        "/api/v1/briefing",
        "/api/v1/incidents",
        "/api/v1/people/{person_id}",
        "/api/v1/audit",
    }
    role = data.draw(st.sampled_from(["admin", "chair", "partner"]))
    token = issue_token(world.store, role)
    path, names = data.draw(st.sampled_from(operations))
    person = data.draw(st.text(min_size=1, max_size=12))
    url = path.replace("{person_id}", quote(person, safe="") or "x")
    params = {n: data.draw(VALUES) for n in names if data.draw(st.booleans())}
    response = client.get(
        url, params=params, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code < 500, (url, params, response.text[:300])
