"""The JSON API against its own OpenAPI document, as an integrator reads it.

Every answer's status is one the document lists for that operation, and its body
holds to the schema listed for that status. The document listed 200 (with no
keys: any object, and for the briefing no schema at all) and FastAPI's own 422
(``{"detail": [...]}``) only: the real errors, 400, 401, 403, 404 and 503, were
missing, and the real 422 body, ``{"ok": false, "status": 422, "error": ...}``,
did not match the schema given for it (a client generated from the document could
not read one error avert answers). ``jsonschema`` is not a dependency: the few
keywords FastAPI's schemas use are checked by :func:`_problems`.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from avert.access import ROLES
from avert.policy import decide
from avert.workflows.users import issue_token
from web.helpers import World

_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def _problems(
    value: Any, schema: dict[str, Any], spec: dict[str, Any], where: str = "$"
) -> list[str]:
    """Where ``value`` breaks ``schema`` (``$ref``, ``anyOf``, ``type``, ``const``,
    ``enum``, ``required``, ``properties``, ``additionalProperties: false``,
    ``items``): empty when it holds."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return _problems(value, spec["components"]["schemas"][name], spec, where)
    if "anyOf" in schema:
        options = [_problems(value, s, spec, where) for s in schema["anyOf"]]
        return [] if any(not o for o in options) else options[0]
    kind = schema.get("type")
    if kind is not None:
        wanted = _TYPES[kind]
        if not isinstance(value, wanted) or (
            isinstance(value, bool) and kind in ("integer", "number")
        ):
            return [f"{where}: not {kind}: {value!r:.60}"]
    if "const" in schema and value != schema["const"]:
        return [f"{where}: not {schema['const']!r}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: not one of {schema['enum']}"]
    out: list[str] = []
    if isinstance(value, dict):
        out += [
            f"{where}: no {k!r}" for k in schema.get("required", ()) if k not in value
        ]
        listed = schema.get("properties", {})
        for key, sub in listed.items():
            if key in value:
                out += _problems(value[key], sub, spec, f"{where}.{key}")
        if schema.get("additionalProperties") is False:
            out += [f"{where}: {k!r} not documented" for k in value if k not in listed]
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            out += _problems(item, schema["items"], spec, f"{where}[{i}]")
    return out


def _check_answer(spec: dict[str, Any], path: str, response: Any) -> None:
    """The answer's status is documented for ``path`` and its body fits."""
    documented = spec["paths"][path]["get"]["responses"]
    status = str(response.status_code)
    assert status in documented, (path, status, sorted(documented), response.text[:200])
    schema = documented[status].get("content", {}).get("application/json", {})
    if "schema" in schema:
        problems = _problems(response.json(), schema["schema"], spec)
        assert not problems, (path, status, problems[:5])


def test_every_error_status_is_documented_with_the_body_avert_gives(
    world: World,
) -> None:
    spec = TestClient(world.app).get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        documented = ops["get"]["responses"]
        assert {"400", "401", "403", "422", "503"} <= set(documented), path
        for status, answer in documented.items():
            ref = answer["content"]["application/json"]["schema"]["$ref"]
            name = ref.removeprefix("#/components/schemas/")
            if status != "200":
                assert name == "ApiError", (path, status)
            else:  # the answer's keys are listed (the briefing's had no schema)
                assert spec["components"]["schemas"][name]["required"], path
    assert "404" in spec["paths"]["/api/v1/people/{person_id}"]["get"]["responses"]


def _involved(world: World) -> str:
    """A person with incidents (their history is not empty)."""
    involved = world.store.read_frame("involvements", columns=["person_id"])
    return str(involved["person_id"].min())


def test_the_fields_of_incidents_and_of_a_person_are_each_documented(
    world: World,
) -> None:
    """The incidents, their tally and a person's record, history and risk window
    were documented as any object: each field is now listed, and a field an
    answer sends that the document does not list is found."""
    client = TestClient(world.app)
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for answer, key in (
        ("IncidentsAnswer", "incidents"),
        ("IncidentsAnswer", "by_category"),
        ("PersonAnswer", "person"),
        ("PersonAnswer", "history"),
        ("PersonAnswer", "risk_window"),
    ):
        listed = schemas[answer]["properties"][key]
        ref = listed.get("items", listed)["$ref"]
        fields = schemas[ref.removeprefix("#/components/schemas/")]
        assert fields["additionalProperties"] is False, (answer, key)
        assert fields["required"], (answer, key)
    headers = {"Authorization": f"Bearer {issue_token(world.store, 'analyst')}"}
    found = client.get("/api/v1/incidents", headers=headers)
    schema = spec["paths"]["/api/v1/incidents"]["get"]["responses"]["200"]
    body = found.json()
    assert body["incidents"]
    assert not _problems(body, schema["content"]["application/json"]["schema"], spec)
    body["incidents"][0]["grew"] = 1
    assert _problems(body, schema["content"]["application/json"]["schema"], spec) == [
        "$.incidents[0]: 'grew' not documented"
    ]


def _operations(person_id: str) -> list[tuple[str, str, dict[str, str], str]]:
    """(documented path, URL, params, policy action) of each operation."""
    return [
        ("/api/v1/briefing", "/api/v1/briefing", {}, "view-today"),
        ("/api/v1/incidents", "/api/v1/incidents", {}, "view-incidents"),
        (
            "/api/v1/people/{person_id}",
            f"/api/v1/people/{person_id}",
            {"purpose": "contract check"},
            "view-person",
        ),
        ("/api/v1/audit", "/api/v1/audit", {"limit": "5"}, "view-audit"),
    ]


def _person_reads(world: World, role: str, person_id: str) -> int:
    audit = world.store.read_frame("audit", columns=["role", "action", "object"])
    return audit.filter(
        (audit["role"] == role)
        & (audit["action"] == "view")
        & (audit["object"] == f"person:{person_id}")
    ).height


def test_each_role_gets_what_the_policy_says_in_the_documented_shape(
    world: World,
) -> None:
    """Every role on every operation: the policy's answer (200 or 403), its body
    as documented, every person read in the audit log; no token: 401."""
    client = TestClient(world.app)
    spec = client.get("/openapi.json").json()
    person_id = _involved(world)  # a history to check item by item
    for role in ROLES:
        headers = {"Authorization": f"Bearer {issue_token(world.store, role)}"}
        for path, url, params, action in _operations(person_id):
            reads = _person_reads(world, role, person_id)
            response = client.get(url, params=params, headers=headers)
            allowed = decide(role, action).allowed
            assert response.status_code == (200 if allowed else 403), (role, url)
            _check_answer(spec, path, response)
            if path.startswith("/api/v1/people/"):
                assert _person_reads(world, role, person_id) == reads + allowed
        missing = client.get(
            "/api/v1/people/NO-SUCH-ID",
            params={"purpose": "contract check"},
            headers=headers,
        )
        assert missing.status_code == (
            404 if decide(role, "view-person").allowed else 403
        )
        _check_answer(spec, "/api/v1/people/{person_id}", missing)
    for path, url, params, _ in _operations(person_id):
        anonymous = client.get(url, params=params)
        assert anonymous.status_code == 401
        _check_answer(spec, path, anonymous)


_BAD = st.sampled_from(
    [
        "",
        "x",
        "-1",
        "0",
        "99999999999999999999",
        "2026-02-30T00:00",
        "0001-01-01",
        "9999-12-31T23:59",
        "2026-11-24T06:00+05:00",
        "1e3",
        "weapon",
    ]
)


@settings(
    max_examples=30,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_bad_parameters_get_a_documented_answer(
    world: World, data: st.DataObject
) -> None:
    """Bad dates, huge limits, negative offsets: a documented 4xx in the one error
    shape (or a 200 that fits), never a 500."""
    client = TestClient(world.app)
    spec = client.get("/openapi.json").json()
    role = data.draw(st.sampled_from(["admin", "analyst", "partner"]))
    headers = {"Authorization": f"Bearer {issue_token(world.store, role)}"}
    path = data.draw(st.sampled_from(sorted(p for p in spec["paths"] if "/api/" in p)))
    names = [
        p["name"]
        for p in spec["paths"][path]["get"].get("parameters", [])
        if p["in"] == "query"
    ]
    params = {n: data.draw(_BAD) for n in names if data.draw(st.booleans())}
    url = path.replace("{person_id}", min(world.person_ids))
    response = client.get(url, params=params, headers=headers)
    assert response.status_code < 500, (url, params, response.text[:200])
    _check_answer(spec, path, response)
