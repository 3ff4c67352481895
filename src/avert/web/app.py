"""Build the web app: ``create_app(settings, store)`` returns a FastAPI (ASGI) app.

Nothing happens at import time (datasette's ``Datasette.app()`` is the model): the
CLI's ``avert serve`` and the tests each build their own app around their own store.
The app is a thin edge over :mod:`avert.workflows`: pages and the JSON API call the
same workflow functions, every route declares the action it performs
(:func:`avert.web.auth.requires`), and one function, :func:`avert.policy.decide`,
says whether the signed-in user may perform it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, PackageLoader
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from avert import __version__
from avert.access import MIN_KEY_BITS, check_key, key_strength_bits
from avert.config.places import load_places_config
from avert.config.risk import load_risk_config
from avert.config.settings import Settings
from avert.errors import (
    ConfigError,
    NotFound,
    PermissionDenied,
    StoreBusy,
    StoreUnavailable,
    TooEarlyError,
)
from avert.report import environment as report_environment
from avert.web.advice import WEB_ADVICE
from avert.web.auth import LoginRequired, StaleSignInForm, known_user
from avert.web.dates import date_words, datetime_words
from avert.web.filters import nobreak_ids
from avert.web.sealed import SealKey
from avert.web.static_files import StaticVersions
from avert.workflows.plan_page import PLAN_CACHE_ENTRIES, PLAN_CACHE_TTL_S
from avert.workflows.users import SignInThrottle
from avert.workflows.views import (
    BRIEFING_PAGE_DEFAULT,
    BriefingCache,
    BriefingView,
    ResultCache,
)

if TYPE_CHECKING:
    from avert.store import Store

__all__ = [
    "MIN_SECRET_CHARS",
    "WebContext",
    "app_from_environment",
    "create_app",
    "demo_app_from_environment",
    "worker_environment",
]

#: Shortest ``AVERT_SECRET_KEY`` accepted (256 bits of base64 text is 43 characters).
MIN_SECRET_CHARS = 32

log = logging.getLogger("avert.web")

#: Content-Security-Policy: scripts only from avert itself (no inline script, no
#: eval, no CDN); inline style attributes are allowed for the SVG maps and badges.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)


@dataclass(frozen=True)
class WebContext:
    """What every request handler needs: settings, the store, the templates."""

    settings: Settings
    store: Store
    templates: Jinja2Templates
    demo: bool
    briefings: BriefingCache
    #: failed sign-ins per client address (the login_client_* settings), counted in
    #: the store: shared by every worker process and kept across restarts
    sign_ins: SignInThrottle
    #: the same templates for the police audience: person ids open their record
    police_templates: Jinja2Templates | None = None
    #: the board pages' statistics, shared for ten minutes at most (seasonal GLMs are
    #: slow), per options and data generation (a change to the data: at once)
    board_stats: ResultCache[Any] = field(
        default_factory=lambda: ResultCache(ttl_s=600.0, max_entries=16)
    )
    #: the groups page's analysis (every incident read, communities detected:
    #: seconds on a force's data), per definition, audience and data generation
    groups: ResultCache[Any] = field(
        default_factory=lambda: ResultCache(ttl_s=600.0, max_entries=8)
    )
    #: the Plan page's content (its measures run the performance engine), per data
    #: generation, day, reader and filters (:mod:`avert.workflows.plan_page`); each
    #: showing is audited
    plans: ResultCache[Any] = field(
        default_factory=lambda: ResultCache(
            ttl_s=PLAN_CACHE_TTL_S, max_entries=PLAN_CACHE_ENTRIES
        )
    )
    #: the store's network that a person's page is drawn from (every incident read,
    #: groups detected, everyone's risk scored: seconds on a force's data), per
    #: definition, risk configuration and data generation; two kept (each holds the
    #: store's network frames: about 62 MiB on a city of 386,000 incidents)
    person_networks: ResultCache[Any] = field(
        default_factory=lambda: ResultCache(ttl_s=600.0, max_entries=2)
    )
    #: encoded forms of each cached briefing (its HTML per audience, its JSON),
    #: dropped with the briefing: see :meth:`fragment`
    fragments: weakref.WeakKeyDictionary[BriefingView, dict[Any, str]] = field(
        default_factory=weakref.WeakKeyDictionary
    )
    fragments_lock: threading.Lock = field(default_factory=threading.Lock)

    def fragment(
        self, view: BriefingView, key: tuple[Any, ...], make: Callable[[], str]
    ) -> str:
        """The text ``make()`` gives for a cached briefing, made once per ``key``.

        Everyone of one audience who opens the same window shares the cached
        briefing (:class:`avert.workflows.views.BriefingCache`), so its HTML and its
        JSON are encoded once too; the text lives as long as the briefing does.
        Two first requests may both make it: the same text.
        """
        with self.fragments_lock:
            text = self.fragments.setdefault(view, {}).get(key)
        if text is None:
            text = make()
            with self.fragments_lock:
                self.fragments.setdefault(view, {})[key] = text
        return text

    def templates_for(self, audience: str | None) -> Jinja2Templates:
        """Templates for an audience (people link to their page for the police)."""
        if audience == "police" and self.police_templates is not None:
            return self.police_templates
        return self.templates


class SecurityHeaders:
    """ASGI middleware: security headers on every response, and a request log line.

    Every answer is ``Cache-Control: no-store`` but a static file's
    (:meth:`avert.web.static_files.StaticVersions.cache_control`: a year under the
    URL naming its content, ``no-cache`` under any other). The log line holds the
    method, the route *template* (``/people/{person_id}``, never the person id),
    the status and the time: no personal data.
    """

    def __init__(self, app: ASGIApp, static: StaticVersions) -> None:
        self.app = app
        self.static = static

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        path, query = str(scope.get("path", "")), bytes(scope.get("query_string", b""))

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                own = list(message.get("headers", []))
                headers = list(SECURITY_HEADERS)
                cache = self.static.cache_control(path, query, status)
                if cache is not None:
                    headers = [
                        (k, cache if k == b"cache-control" else v) for k, v in headers
                    ]
                    # a kept answer never carries a session: a shared cache would
                    # hand it to the next reader (static files set none today)
                    own = [(k, v) for k, v in own if k.lower() != b"set-cookie"]
                message["headers"] = own + headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            log.info(
                "%s %s %s %.1f ms",
                scope.get("method"),
                template,
                status,
                (time.perf_counter() - start) * 1000,
            )


def _check_secret(settings: Settings, *, demo: bool) -> str:
    """The secret that signs sessions: at least :data:`MIN_SECRET_CHARS` characters
    and :data:`avert.access.MIN_KEY_BITS` bits of estimated entropy (the pseudonym
    key's measure, :func:`avert.access.key_strength_bits`), else a ConfigError that
    never repeats it; the demo makes a random one instead."""
    key = settings.secret_key
    if len(key) >= MIN_SECRET_CHARS and key_strength_bits(key) >= MIN_KEY_BITS:
        return key
    if demo:
        return secrets.token_urlsafe(32)  # the demo's sessions end with the process
    msg = (
        "avert serve needs a random secret key of at least "
        f"{MIN_SECRET_CHARS} characters in AVERT_SECRET_KEY (it signs session "
        "cookies and CSRF tokens; a repeated pattern or a short one is refused), "
        "e.g. from: python -c 'import secrets; print(secrets.token_urlsafe(32))'. "
        "Refusing to start without one."
    )
    raise ConfigError(msg)


def _usable_key(key: str) -> bool:
    try:
        check_key(key or None)
    except ConfigError:
        return False
    return True


def _templates(*, person_href: str | None = None) -> Jinja2Templates:
    """The web templates over the report's (briefing sections, filters, macros)."""
    report_env = report_environment()
    env = report_env.overlay(
        loader=ChoiceLoader(
            [PackageLoader("avert.web", "templates"), report_env.loader]  # type: ignore[list-item]
        )
    )
    # the report's filters and the web's (a dict of its own: the overlay shares
    # the report environment's otherwise)
    env.filters = {
        **report_env.filters,
        "nobreak_ids": nobreak_ids,
        # form fields' dates in the app's words, the same for every reader
        "date_words": date_words,
        "datetime_words": datetime_words,
    }
    env.globals = {
        **report_env.globals,
        # a note's advice is data: the web's words name no command
        "web_advice": WEB_ADVICE,
        "person_href": person_href,
        # no briefing.json beside a web page: the same briefing as JSON
        "full_lists": (
            "the JSON of this briefing (GET /api/v1/briefing, same window, "
            f"its long lists {BRIEFING_PAGE_DEFAULT} items a page)"
        ),
        # a web user (a partner, a board member) has no command line: the page
        # that tasks, and where a partner's organisation comes from
        "taskings_how": "on its Meeting page",
        "taskings_org_how": (
            "the organisation of the account signed in, and this account names "
            "none: an administrator sets it"
        ),
    }
    return Jinja2Templates(env=env)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in (
        request.headers.get("accept", "")
    )


def _error(request: Request, status: int, message: str) -> Response:
    """One error answer: JSON for the API, a page for people; never a traceback.

    An htmx request (``HX-Request`` header) gets the message alone, as a fragment
    with the same status: ``base.html``'s htmx configuration (``responseHandling``)
    swaps 4xx and 5xx answers into the form's target, so a refused or invalid
    form says why where its result would have appeared.
    """
    if _wants_json(request):
        return JSONResponse({"ok": False, "status": status, "error": message}, status)
    from avert.web.pages import header_context

    ctx: WebContext = request.app.state.avert
    # the header of every page (navigation, user, sign out), not an empty bar
    header = header_context(request, known_user(request, look_up=status < 500))
    return ctx.templates_for(header["audience"]).TemplateResponse(
        request,
        "_error_fragment.html" if request.headers.get("hx-request") else "error.html",
        {**header, "status": status, "message": message},
        status_code=status,
    )


#: avert's words for what a parameter should have been, by pydantic's error type
#: (its own wording, "Input should be a valid integer, unable to parse string as
#: an integer", was shown on the pages); ``{...}`` are the error's ``ctx``.
_EXPECTED: dict[str, str] = {
    "int_parsing": "not a whole number (e.g. 24)",
    "int_type": "not a whole number (e.g. 24)",
    "int_from_float": "not a whole number (e.g. 24)",
    "float_parsing": "not a number (e.g. 0.5)",
    "float_type": "not a number (e.g. 0.5)",
    "finite_number": "not a finite number",
    "bool_parsing": "neither yes nor no (use true or false)",
    "missing": "missing",
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be {ge} or more",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be {le} or less",
    "string_too_short": "too short (at least {min_length} characters)",
    "string_too_long": "too long (at most {max_length} characters)",
}


def _validation_message(exc: RequestValidationError) -> str:
    """One line naming each bad parameter and what was wrong with it, in avert's
    words (:data:`_EXPECTED`), never the value sent (echoed on avert's own page,
    a crafted link's text would read as avert's)."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ())[1:]) or "request"
        wording = _EXPECTED.get(str(error.get("type")), "not valid")
        try:
            said = wording.format(**(error.get("ctx") or {}))
        except (KeyError, IndexError, ValueError):
            said = "not valid"
        parts.append(f"{where}: {said}")
    return "; ".join(parts) or "The request's parameters are not valid."


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def refuse_nul(request: Request) -> None:
    """Refuse a request with a NUL character (U+0000) in its path, a parameter or a
    form field (400, before any page or audit row is written): PostgreSQL can
    neither store nor compare text holding one (a 500 there, "invalid byte sequence
    for encoding UTF8: 0x00"), and SQLite would store it, so both answer the same."""
    texts = [str(request.scope.get("path", ""))]
    texts += [t for item in request.query_params.multi_items() for t in item]
    if request.headers.get("content-type", "").startswith(_FORMS):
        form = await request.form()
        texts += list(form) + [v for v in form.values() if isinstance(v, str)]
    if any("\x00" in t for t in texts):
        raise StarletteHTTPException(
            400, "The request holds a NUL character (U+0000), which avert refuses."
        )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"ok": False, "status": 401, "error": "authentication required"},
                401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if request.headers.get("hx-request"):
            # htmx follows a redirect inside the request and swapped the whole
            # sign-in page into the form's target; HX-Redirect makes the browser
            # leave the page for the sign-in instead
            return Response(status_code=200, headers={"HX-Redirect": "/login"})
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(PermissionDenied)
    async def denied(request: Request, exc: PermissionDenied) -> Response:
        return _error(request, 403, str(exc))

    @app.exception_handler(StaleSignInForm)
    async def stale_sign_in(request: Request, exc: StaleSignInForm) -> Response:
        # the sign-in page again, with the session's own token, saying why
        from avert.web.pages import _page

        return _page(request, "login.html", status=403, error=str(exc))

    @app.exception_handler(ConfigError)
    async def not_configured(request: Request, exc: ConfigError) -> Response:
        # e.g. a partner page while no real pseudonym key is set: say so, show nothing
        return _error(request, 503, f"avert is not configured for this: {exc}")

    @app.exception_handler(TooEarlyError)
    async def too_early(request: Request, exc: TooEarlyError) -> Response:
        # configured, but too early for it (e.g. a partner briefing in the first
        # hour of a pseudonym key period): the reason alone, not "not configured"
        return _error(request, 503, str(exc))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        # FastAPI's own answer is its raw JSON (echoing the input), on pages too
        return _error(request, 422, _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(StoreUnavailable)
    async def unavailable(request: Request, exc: StoreUnavailable) -> Response:
        # the server is down or restarting (StoreUnavailable), or every connection
        # the pool may open stayed in use (StoreBusy, a burst of requests): say
        # which and that trying again may work, not "something went wrong"; the
        # driver's reason (host, socket) is logged
        busy = isinstance(exc, StoreBusy)
        log.error(
            "database %s in %s: %s",
            "connections all in use" if busy else "unavailable",
            request.url.path,
            exc,
        )
        said = (
            "avert is busy: every database connection stayed in use."
            if busy
            else "The database is not answering."
        )
        return _error(
            request,
            503,
            f"{said} Try again in a minute; if this goes on, tell the administrator.",
        )

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        from starlette.concurrency import run_in_threadpool

        from avert.workflows.admin import schema_refusal

        route = getattr(request.scope.get("route"), "path", "?")
        # a store not at this avert's schema (an older avert's backup restored
        # under the running app): its queries fail on tables it lacks; say so,
        # and what to run, not "something went wrong"
        ctx: WebContext = request.app.state.avert
        refused = await run_in_threadpool(schema_refusal, ctx.store)
        if refused is not None:
            log.error("database schema in %s: %s", route, refused)
            return _error(request, 503, refused)
        log.exception("error in %s", route)
        return _error(request, 500, "Something went wrong; it has been logged.")


def _refuse_a_bad_start(settings: Settings, store: Store) -> None:
    """Stop the start, not the first request, on a store behind this avert's
    schema (its first page failed, "Something went wrong": refused with the line
    saying what to run; a server not answering yet is not refused, the pages say
    so until it answers, :mod:`avert.web.warm`) or a bad risk_config,
    places_config, session or token setting."""
    from avert.errors import StoreError
    from avert.workflows.admin import schema_refusal

    refused = schema_refusal(store)
    if refused is not None:
        raise StoreError(refused)
    load_risk_config(settings.risk_config_file())
    load_places_config(settings.places_config_file())
    settings.session_max_seconds()
    settings.token_lifetimes()


#: Answers under this many bytes are sent as they are (gzip's header and a round
#: trip to decompress cost more than they save).
GZIP_MIN_BYTES: Final = 1_000
#: zlib level 6, gzip's own default (Starlette's is 9: more time for a few %
#: fewer bytes): the briefing API's first page of a London month, 0.74 MB, goes
#: as 0.04 MB (benchmarks/briefing_json_size.py).
GZIP_LEVEL: Final = 6
#: Not compressed: formats compressed already (Starlette's list: images, archives;
#: and PDFs), and HTML pages, which carry the session's CSRF token beside text
#: taken from the request (a filter's value named back): compressing both lets an
#: attacker who can send requests and see the answers' sizes guess the token a
#: character at a time (BREACH, CVE-2013-3587). JSON answers (the API, bearer
#: tokens) and static files carry no such secret.
GZIP_EXCLUDED: Final = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "application/pdf",
    "text/html",
)


def create_app(
    settings: Settings, store: Store, *, demo: bool = False, warm_up: bool = False
) -> FastAPI:
    """Build the avert web app around ``store``.

    Parameters
    ----------
    settings
        Resolved settings; ``secret_key`` (``AVERT_SECRET_KEY``) must hold at least
        :data:`MIN_SECRET_CHARS` characters unless ``demo``.
    store
        The database (at the newest schema revision). Its zone is set to the
        ``timezone`` setting: "now" of the pages and the stamps they store are the
        force's wall-clock time (:func:`avert.config.timezone.local_now`).
    demo
        The synthetic demo city: a random secret per process is allowed.
    warm_up
        Make the slowest first views (a person's page, *Today*) when the app
        starts and after each change to the data (:mod:`avert.web.warm`): what a
        server does (``avert serve``, each worker); tests leave it off.

    Raises
    ------
    ConfigError
        When no usable secret key is set outside the demo.
    StoreError
        When ``store`` is not at this avert's newest schema revision ("Run 'avert
        db upgrade'").
    """
    from avert.web import admin, api, board, delivery, marac, pages

    secret = _check_secret(settings, demo=demo)
    # the database driver's import (pandas through pyarrow.dataset: 0.3 s of CPU
    # or more) paid now, not by the first user's first page; whatever the start's
    # checks read or skip (a server not answering yet is read by no one)
    store.load_driver()
    _refuse_a_bad_start(settings, store)
    store.timezone = settings.timezone  # one zone for stored times and "now"
    _, _, client_failures, client_window_min = settings.login_limits()
    if demo and not _usable_key(settings.pseudonym_key):
        # the demo city's partner pages: a random key per run (a real secret, so
        # pseudonyms cannot be reversed; they change when the demo restarts)
        settings = settings.with_overrides(pseudonym_key=secrets.token_urlsafe(32))
    app = FastAPI(
        title="avert",
        version=__version__,
        description="Violence reduction: the daily briefing, incidents, people "
        "(police roles), places, groups and the audit log. Bearer tokens from "
        "'avert users token'.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        dependencies=[Depends(refuse_nul)],
    )
    app.state.accounts = {}  # username -> (read at, account and stamp): auth._account
    # the key that seals session values its holder must not read (auth.keep_sealed)
    app.state.seal_key = SealKey(secret)
    app.state.avert = WebContext(
        settings,
        store,
        _templates(),
        demo,
        BriefingCache(),
        SignInThrottle(client_failures, client_window_min * 60.0, secret_key=secret),
        police_templates=_templates(person_href="/people/"),
    )
    idle_s = int(settings.session_idle_minutes) * 60
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="avert_session",
        max_age=max(idle_s, 60) * 16,  # the idle timeout is enforced per request
        same_site="strict",
        https_only=settings.session_cookie_https_only(),
    )
    # each static file's version, hashed once: templates link to its URL
    # (static_url), which alone is cached (SecurityHeaders)
    static = StaticVersions()
    for templates in (app.state.avert.templates, app.state.avert.police_templates):
        if templates is not None:
            templates.env.globals["static_url"] = static.url
    app.add_middleware(SecurityHeaders, static=static)
    app.add_middleware(
        GZipMiddleware,
        minimum_size=GZIP_MIN_BYTES,
        compresslevel=GZIP_LEVEL,
        exclude_content_types=GZIP_EXCLUDED,
    )
    _install_error_handlers(app)
    app.mount(
        "/static",
        StaticFiles(packages=[("avert.web", "static")]),
        name="static",
    )
    for routes in (pages, delivery, board, marac, admin, api):
        app.include_router(routes.router)
    if warm_up:
        from avert.web.warm import WarmUp

        warming = WarmUp(app.state.avert)
        app.state.warm_up = warming
        app.router.add_event_handler("startup", warming.start)
        app.router.add_event_handler("shutdown", warming.stop)
    return app


def app_from_environment() -> FastAPI:
    """The web app over the database the environment names: what each worker
    process builds when uvicorn runs several.

    ``uvicorn avert.web.app:app_from_environment --factory --workers 2`` (or
    ``avert serve --workers 2``) imports this in every worker: settings from the
    ``AVERT_*`` variables (:func:`avert.config.settings.load_settings`), the store
    opened and checked to be at the newest revision, its connections closed when
    the worker stops. :func:`create_app` takes the objects themselves, which a
    worker process cannot be handed. Every worker reads the same
    ``AVERT_SECRET_KEY``, so a session or a form's CSRF token made by one is
    valid at the others.
    """
    return _app_from_environment(demo=False)


def demo_app_from_environment() -> FastAPI:
    """:func:`app_from_environment` for the demo city (``avert serve --demo
    --workers N``): refused on a database holding anything else
    (:func:`avert.workflows.demo.check_demo_store`). The demo's random secret key
    and pseudonym key are made once by ``avert serve`` and handed to every worker
    in ``AVERT_SECRET_KEY`` and ``AVERT_PSEUDONYM_KEY``: one made per worker would
    sign a session the next worker refuses, and give a person other pseudonyms."""
    return _app_from_environment(demo=True)


def worker_environment(settings: Settings, *, demo: bool) -> dict[str, str]:
    """The ``AVERT_*`` variables that give worker processes the app of this one.

    The database URL (``--db`` is no environment variable), and for the demo its
    random secret key and pseudonym key, made here once when none usable is set:
    each worker making its own would refuse the sessions of the others, and show a
    partner other pseudonyms at each worker.
    """
    env = {"AVERT_DATABASE_URL": settings.database_url}
    if demo:
        secret = _check_secret(settings, demo=True)  # random when none usable
        if secret != settings.secret_key:
            env["AVERT_SECRET_KEY"] = secret
        if not _usable_key(settings.pseudonym_key):
            env["AVERT_PSEUDONYM_KEY"] = secrets.token_urlsafe(32)
    return env


def _app_from_environment(*, demo: bool) -> FastAPI:
    """Settings from the environment, the store they name, the app around it; the
    store closed if the app cannot be built (a worker that fails to start holds no
    connection) and when the worker shuts down."""
    from avert.config.settings import load_settings
    from avert.workflows.admin import open_store

    # uvicorn's access log writes each request's path and query: a person's id
    # (/people/P0000123) and the purpose typed (/api/v1/people/...?purpose=...),
    # in a file no access rule or audit row covers. 'avert serve' turns it off
    # (access_log=False); uvicorn started by hand or by a process manager with
    # this factory (docs/web.md, "Deploying") wrote it. SecurityHeaders logs the
    # route's template instead.
    logging.getLogger("uvicorn.access").disabled = True
    settings = load_settings()
    if demo and not (
        _check_secret(settings, demo=True) == settings.secret_key
        and _usable_key(settings.pseudonym_key)
    ):
        # a random key per worker: sessions refused and pseudonyms changing from
        # one worker to the next
        msg = (
            "The demo's worker processes need one secret key and one pseudonym key "
            "for all of them, in AVERT_SECRET_KEY and AVERT_PSEUDONYM_KEY: "
            "'avert serve --demo --workers N' makes them."
        )
        raise ConfigError(msg)
    store = open_store(settings)
    try:
        if demo:
            from avert.workflows.demo import check_demo_store

            check_demo_store(store)
        app = create_app(settings, store, demo=demo, warm_up=True)
    except BaseException:
        store.close()
        raise
    app.router.add_event_handler("shutdown", store.close)
    return app


def _leaf_routes(routes: list[Any]) -> list[Any]:
    """Routes with included routers opened up (FastAPI keeps them nested)."""
    out: list[Any] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        out.extend(_leaf_routes(inner.routes) if inner is not None else [route])
    return out


def routes_with_actions(app: FastAPI) -> list[tuple[str, str, str | None]]:
    """(method, path, declared action) for every route of ``app`` (tests, docs)."""
    out: list[tuple[str, str, str | None]] = []
    for route in _leaf_routes(list(app.routes)):
        endpoint: Any = getattr(route, "endpoint", None)
        methods = getattr(route, "methods", None) or {"GET"}
        for method in sorted(methods - {"HEAD"}):
            out.append(
                (method, getattr(route, "path", ""), getattr(endpoint, "action", None))
            )
    return out
