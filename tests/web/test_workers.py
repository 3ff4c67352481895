"""Several worker processes behind one port: ``avert serve --workers N``.

uvicorn starts workers from an import string, not from an app object, so each builds
its app with :func:`avert.web.app.app_from_environment`. ``avert serve`` had no way
to run more than one (``uvicorn.run(app)`` with an object), and
``uvicorn avert.web.app:create_app --factory`` fails (it needs the settings and the
store), while docs/postgresql.md sized the connections for "2 web workers". A
session or a form's CSRF token made by one worker must be valid at the others: each
worker reads the same secret; the demo's random keys are made once, by ``avert
serve``, not once per worker (a browser signed in at one worker was sent back to
the sign-in page by the next, and a partner saw other pseudonyms).

The apps of two workers are built here in one process (fast and exact about which
"worker" answers each request); two tests run two real worker processes (one of
them many users of the JSON API at once, every read counted in the audit log).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from avert.cli import app as cli
from avert.config.settings import load_settings
from avert.errors import ConfigError
from avert.store import Store
from avert.web.app import (
    app_from_environment,
    demo_app_from_environment,
    worker_environment,
)
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, World, csrf_of


@pytest.fixture
def chair_store(sqlite_store: Store) -> Store:
    """A store with a chair's account and nothing else (the demo check passes)."""
    add_user(sqlite_store, "chair", password=PASSWORD, role="chair")
    return sqlite_store


@pytest.fixture
def worker_env(chair_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The environment ``avert serve`` hands its workers, for ``chair_store``."""
    for name in [n for n in os.environ if n.startswith("AVERT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AVERT_DATABASE_URL", chair_store.url.sqlalchemy)
    return chair_store


def _sign_in_across(first: TestClient, second: TestClient) -> None:
    """The sign-in page from ``first``, the form sent to ``second``: each client
    keeps the session cookie the other was given, as one browser would."""
    token = csrf_of(first.get("/login").text)
    second.cookies.update(first.cookies)
    answer = second.post(
        "/login",
        data={"username": "chair", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/today"
    first.cookies.update(second.cookies)


def _plan_pages(*clients: TestClient) -> list[int]:
    return [c.get("/plan", follow_redirects=False).status_code for c in clients]


def _workers(factory: Any) -> Iterator[tuple[TestClient, TestClient]]:
    with TestClient(factory()) as first, TestClient(factory()) as second:
        yield first, second


def test_a_session_made_at_one_worker_is_valid_at_another(
    worker_env: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AVERT_SECRET_KEY", SECRET)
    for first, second in _workers(app_from_environment):
        _sign_in_across(first, second)
        assert _plan_pages(first, second) == [200, 200]
        # a form's CSRF token from one worker's page is accepted by the other
        token = csrf_of(first.get("/plan").text)
        second.cookies.update(first.cookies)
        signed_out = second.post(
            "/logout", data={"csrf_token": token}, follow_redirects=False
        )
        assert signed_out.status_code == 303
        assert signed_out.headers["location"] == "/login"


def test_a_worker_uvicorn_starts_itself_logs_no_person_id_nor_purpose(
    worker_env: Store,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``uvicorn avert.web.app:app_from_environment --factory`` (docs/web.md,
    *Deploying*) keeps uvicorn's access log on by default, which wrote every
    request's path and query: ``GET /api/v1/people/P0000123?purpose=...``, a
    person's id and the purpose typed, outside the audit log."""
    import logging

    import uvicorn

    monkeypatch.setenv("AVERT_SECRET_KEY", SECRET)
    access = logging.getLogger("uvicorn.access")
    monkeypatch.setattr(access, "disabled", False)  # as uvicorn leaves it
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    server = uvicorn.Server(
        uvicorn.Config(
            "avert.web.app:app_from_environment",
            factory=True,
            port=_free_port(),
            log_config=None,  # records reach caplog (uvicorn's own stop there)
            access_log=True,  # uvicorn's default
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        asked = ("/people/P0000123", "/api/v1/people/P0000123?purpose=stab+victim")
        for path in asked:
            # the page goes to the sign-in (200); the API refuses (401: no token)
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    logged = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    assert "P0000123" not in logged
    assert "stab" not in logged


def test_the_demo_workers_share_the_keys_avert_serve_makes_once(
    worker_env: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings().with_overrides(database_url="sqlite:///elsewhere.db")
    env = worker_environment(settings, demo=True)
    assert env["AVERT_DATABASE_URL"] == "sqlite:///elsewhere.db"  # what --db said
    assert len(env["AVERT_SECRET_KEY"]) >= 32
    assert len(env["AVERT_PSEUDONYM_KEY"]) >= 32
    # keys set by the user are theirs to keep
    own = settings.with_overrides(secret_key=SECRET, pseudonym_key=SECRET)
    assert set(worker_environment(own, demo=True)) == {"AVERT_DATABASE_URL"}
    del env["AVERT_DATABASE_URL"]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for first, second in _workers(demo_app_from_environment):
        _sign_in_across(first, second)
        assert _plan_pages(first, second) == [200, 200]


def test_a_demo_worker_without_the_shared_keys_refuses_to_start(
    worker_env: Store,
) -> None:
    """A key made in each worker would refuse the others' sessions: no start."""
    with pytest.raises(ConfigError, match="avert serve --demo --workers"):
        demo_app_from_environment()


def test_serve_runs_several_workers_from_the_import_string(
    chair_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    started: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append((app, kw)))
    monkeypatch.setattr(os, "environ", dict(os.environ))  # what the workers get
    db = chair_store.url.adbc
    res = CliRunner().invoke(
        cli,
        ["--db", db, "serve", "--workers", "3"],
        env={"AVERT_SECRET_KEY": SECRET},
    )
    assert res.exit_code == 0, res.output
    [(target, options)] = started
    assert target == "avert.web.app:app_from_environment"
    assert options["factory"] is True
    assert options["workers"] == 3
    assert os.environ["AVERT_DATABASE_URL"] == db
    refused = CliRunner().invoke(cli, ["--db", db, "serve", "--workers", "0"])
    assert refused.exit_code == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Browser:
    """A browser that opens a new connection for every request (each may reach
    either worker), keeps its cookies and follows no redirect."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def open(self, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        data = urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(
            self.base + path, data=data, headers={"Connection": "close"}
        )
        try:
            with self.opener.open(request, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as err:
            with err:
                return err.code, err.read().decode()


def _started(log: Path) -> int:
    """Worker processes that have built their app and serve, by the log."""
    return log.read_text().count("Application startup complete")


@pytest.mark.slow
def test_two_real_demo_workers_keep_one_session(
    chair_store: Store, tmp_path: Path
) -> None:
    """``avert serve --demo --workers 2``: signed in once, every page at either
    worker; with a key per worker, some went to the sign-in page (8 of 30)."""
    server, base = _serve(chair_store.url.adbc, tmp_path, {}, "--demo")
    try:
        browser = _Browser(base)
        _, page = browser.open("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, page
        status, _ = browser.open(
            "/login",
            {"username": "chair", "password": PASSWORD, "csrf_token": token[1]},
        )
        assert status == 303
        assert [browser.open("/plan")[0] for _ in range(16)] == [200] * 16
    finally:
        _stop(server)


def _serve(
    db: str, tmp_path: Path, env_keys: dict[str, str], *options: str
) -> tuple[subprocess.Popen[bytes], str]:
    """``avert serve --workers 2`` (and ``options``) on ``db``, started (both
    workers, not only the first); its process and base URL. Stopped again if it
    does not start."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AVERT_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env.update(env_keys)
    log_file = tmp_path / "serve.log"
    with log_file.open("w") as log:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "avert", "--db", db, "serve", *options),
                *("--workers", "2", "--port", str(port)),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        deadline = time.monotonic() + 60
        while _started(log_file) < 2:
            assert server.poll() is None, log_file.read_text()
            assert time.monotonic() < deadline, log_file.read_text()
            time.sleep(0.1)
    except BaseException:
        _stop(server)
        raise
    return server, f"http://127.0.0.1:{port}"


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Stop ``avert serve`` as Ctrl-C does; kill it if it has not ended in 30 s."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()


@pytest.mark.slow
def test_two_workers_answer_many_users_at_once_and_audit_every_read(
    world: World, tmp_path: Path
) -> None:
    """Token and signed-in users of the JSON API at once, at two real workers:
    no server error, and each person read, search and sign-in in the audit log
    (counted against the answers), its chain whole."""
    import threading

    import httpx2
    import polars as pl

    from avert.store import audit
    from avert.workflows.users import issue_token

    people = sorted(world.person_ids)[:20]
    tokens = {r: issue_token(world.store, r) for r in ("analyst", "partner", "admin")}
    first_seq = int(world.store.read_frame("audit", columns=["seq"])["seq"].max())
    keys = {
        "AVERT_SECRET_KEY": SECRET,
        "AVERT_PSEUDONYM_KEY": world.settings.pseudonym_key,
    }
    server, base = _serve(world.store.url.adbc, tmp_path, keys)
    answered: list[tuple[str, str, int]] = []
    lock = threading.Lock()

    def reads(client: httpx2.Client, who: str, i: int) -> None:
        person = people[(i * 7 + len(who)) % len(people)]
        for kind, url, params in (
            ("person", f"/api/v1/people/{person}", {"purpose": f"load {i}"}),
            ("search", "/api/v1/incidents", {}),
            ("briefing", "/api/v1/briefing", {"hours": str(24 + i % 2)}),
        ):
            status = client.get(url, params=params).status_code
            with lock:
                answered.append((who, kind, status))

    def token_user(role: str) -> None:
        auth = {"Authorization": f"Bearer {tokens[role]}"}
        with httpx2.Client(base_url=base, headers=auth, timeout=60) as client:
            for i in range(6):
                reads(client, role, i)

    def session_user(name: str) -> None:
        with httpx2.Client(base_url=base, timeout=60) as client:
            for i in range(3):
                token = csrf_of(client.get("/login").text)
                form = {"username": name, "password": PASSWORD, "csrf_token": token}
                status = client.post("/login", data=form).status_code
                with lock:
                    answered.append((name, "login", status))
                reads(client, name, i)

    threads = [threading.Thread(target=token_user, args=(r,)) for r in tokens]
    threads += [
        threading.Thread(target=session_user, args=(n,)) for n in ("chair", "officer")
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        _stop(server)
    statuses = {s for _, _, s in answered}
    assert len(answered) == 3 * 6 * 3 + 2 * 3 * 4
    assert statuses <= {200, 303, 403}, answered
    rows = world.store.read_frame("audit").filter(pl.col("seq") > first_seq)
    expected = {
        (who, kind): sum(1 for w, k, s in answered if (w, k) == (who, kind) and s < 400)
        for who, kind, _ in answered
    }
    kinds = {
        "person": (pl.col("action") == "view")
        & pl.col("object").str.starts_with("person:"),
        "search": pl.col("action") == "search",
        "briefing": (pl.col("action") == "view")
        & pl.col("object").str.starts_with("briefing:"),
        "login": pl.col("action") == "login",
    }
    for (who, kind), count in expected.items():
        got = rows.filter(kinds[kind] & (pl.col("user_name") == who)).height
        assert got == count, (who, kind, got, count)
    assert expected[("partner", "person")] == 0  # refused, and audited as such:
    refused = [w for w, k, s in answered if (w, k) == ("partner", "person")]
    assert {s for w, k, s in answered if (w, k) == ("partner", "person")} == {403}
    audited_refusals = rows.filter(
        (pl.col("action") == "view-refused")
        & (pl.col("user_name") == "partner")
        & pl.col("object").str.starts_with("person:")
    )
    assert audited_refusals.height == len(refused)
    assert rows["seq"].sort().to_list() == list(
        range(first_seq + 1, first_seq + 1 + rows.height)
    )
    assert audit.verify(world.store).ok
