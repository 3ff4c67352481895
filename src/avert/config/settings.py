"""Run-time settings: where the database is, which projection, which definition.

Settings are read at the edges only (CLI, web, workflows) and passed inward as
arguments; analyses never read the environment. Each setting has a name, a default,
an environment variable and a help line in :data:`SETTINGS`, from which the settings
reference in ``docs/settings.md`` is written and the defaults of :class:`Settings`
are taken. Every secret (database URL with its password, web secret key, pseudonym
key, account password) and every path avert reads (database, definition, harm table, risk configuration)
is a setting; nothing else reads ``AVERT_*`` variables.

>>> load_settings({"AVERT_CRS": "EPSG:32617"}).crs
'EPSG:32617'
>>> "secret" in repr(load_settings({"AVERT_SECRET_KEY": "secret"}))
False
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Final
from urllib.parse import parse_qs, urlsplit

from avert.errors import ConfigError

__all__ = [
    "DEFAULT_LOCK_TIMEOUT_S",
    "DEFAULT_MAX_OVERFLOW",
    "DEFAULT_PLACES_CELL_M",
    "DEFAULT_POOL_SIZE",
    "DEFAULT_POOL_TIMEOUT_S",
    "DEFAULT_TOKEN_DAYS",
    "DEFAULT_TOKEN_MAX_DAYS",
    "SETTINGS",
    "TOKEN_DAYS_CEILING",
    "Settings",
    "check_url_argument",
    "hand_to_child_processes",
    "load_settings",
]

#: (name, default, environment variable, help)
SETTINGS: Final[tuple[tuple[str, str, str, str], ...]] = (
    (
        "database_url",
        "sqlite:///avert.db",
        "AVERT_DATABASE_URL",
        "Database URL: sqlite:///PATH (default, a file in the working folder) or "
        "postgresql://USER@HOST/DB. A plain file path means SQLite.",
    ),
    (
        "crs",
        "EPSG:27700",
        "AVERT_CRS",
        "Projected CRS for x/y metres (British National Grid by default).",
    ),
    (
        "definition",
        "avb-2010",
        "AVERT_DEFINITION",
        "Violence definition profile id, or a path to a violence TOML file.",
    ),
    (
        "harm_table",
        "",
        "AVERT_HARM_TABLE",
        "Harm TOML file, e.g. one written by 'avert harm import' from the Cambridge "
        "CCHI spreadsheet; empty means avert's packaged CCHI table.",
    ),
    (
        "risk_config",
        "",
        "AVERT_RISK_CONFIG",
        "Risk TOML laid over avert's packaged risk.toml (windows, weights and roles "
        "of the offender, victim and ASB scores; docs/analyses.md). Every score reads "
        "it: 'avert analyse risk' (unless --config), person pages, the briefing's "
        "people of concern, repeat victims and ASB callers, and the web app, so a "
        "person has one score everywhere. Empty means the packaged file.",
    ),
    (
        "places_config",
        "",
        "AVERT_PLACES_CONFIG",
        "Places TOML laid over avert's packaged places.toml: whether the briefing's "
        "near-repeat zones leave domestic incidents out (near_repeat.domestic = "
        '"exclude", the default) or keep them ("include"); docs/places.md. '
        "'avert brief', the web app's Today page and 'avert analyse near-repeat' "
        "(its default) read it. Empty means the packaged file.",
    ),
    (
        "timezone",
        "Europe/London",
        "AVERT_TIMEZONE",
        "IANA time zone of the force. Stored times are local wall-clock times in this "
        "zone: a time given with an offset or Z (command options, bundle files) is "
        "converted to it; a time without one is taken as local. 'Now' and 'today' "
        "(the web briefing page's default window, overdue actions, the times avert "
        "stamps: audit log, taskings, loads) are this zone's too, whatever the "
        "server's clock. 'avert brief' has no default window: it needs --at.",
    ),
    (
        "file_mode",
        "600",
        "AVERT_FILE_MODE",
        "Octal mode of the files avert writes (database, briefings, exports, demo): "
        "600 owner-only by default; folders get x where files can read (600 -> 700). "
        "640 shares read access with the owner's group. See docs/audit.md.",
    ),
    (
        "lock_timeout_s",
        "600",
        "AVERT_LOCK_TIMEOUT_S",
        "Seconds a command waits for another avert command that holds the database "
        "(a load, a classification) before it stops with a clear message; nothing is "
        "written then. SQLite busy timeout; PostgreSQL lock_timeout.",
    ),
    (
        "db_pool_size",
        "4",
        "AVERT_DB_POOL_SIZE",
        "PostgreSQL: idle connections a process keeps for reuse, for reads and again "
        "for writes (a new connection costs about 0.1 s). Not used by SQLite.",
    ),
    (
        "db_max_overflow",
        "4",
        "AVERT_DB_MAX_OVERFLOW",
        "PostgreSQL: connections a process may open beyond db_pool_size at busy "
        "times (closed when given back). A process opens at most 3 x (db_pool_size "
        "+ db_max_overflow): reads, writes and schema work; keep the sum over web "
        "workers and command-line jobs below the server's max_connections (100 by "
        "default).",
    ),
    (
        "db_pool_timeout_s",
        "30",
        "AVERT_DB_POOL_TIMEOUT_S",
        "PostgreSQL: seconds a request waits for a connection when all are in use; "
        "then it stops with 'avert is busy' (the web app's HTTP 503), not a hang.",
    ),
    (
        "secret_key",
        "",
        "AVERT_SECRET_KEY",
        "Web app secret that signs session cookies and CSRF tokens: at least 32 "
        "characters from a secrets manager. Required by 'avert serve' outside the "
        "demo; never printed. Changing it signs everyone out.",
    ),
    (
        "session_idle_minutes",
        "30",
        "AVERT_SESSION_IDLE_MINUTES",
        "Web sessions end after this many minutes without a request.",
    ),
    (
        "session_max_hours",
        "12",
        "AVERT_SESSION_MAX_HOURS",
        "Web sessions end this many hours after sign-in, however active (a shift); "
        "then the user signs in again.",
    ),
    (
        "session_cookie_secure",
        "false",
        "AVERT_SESSION_COOKIE_SECURE",
        "true: the session cookie is sent over HTTPS only (set it wherever 'avert "
        "serve' is reached through TLS, e.g. behind a reverse proxy); false (the "
        "default) also works on plain http://127.0.0.1 for a local or demo server.",
    ),
    (
        "login_max_failures",
        "5",
        "AVERT_LOGIN_MAX_FAILURES",
        "Failed logins in a row that lock a web account.",
    ),
    (
        "login_lockout_minutes",
        "15",
        "AVERT_LOGIN_LOCKOUT_MINUTES",
        "How long a locked web account stays locked.",
    ),
    (
        "login_client_max_failures",
        "30",
        "AVERT_LOGIN_CLIENT_MAX_FAILURES",
        "Failed sign-ins from one client address (whatever the names) within "
        "login_client_window_minutes that refuse the address's sign-ins (HTTP "
        "429) until its oldest failure leaves the window. One common password "
        "tried across many names locks no account; this slows it (OWASP "
        "Authentication Cheat Sheet). Counted in the store: every server process "
        "and a restarted one share the count.",
    ),
    (
        "login_client_window_minutes",
        "15",
        "AVERT_LOGIN_CLIENT_WINDOW_MINUTES",
        "The sliding window of login_client_max_failures, minutes.",
    ),
    (
        "token_days",
        "90",
        "AVERT_TOKEN_DAYS",
        "Days an API token works after it is issued ('avert users token' without "
        "--days, and the web app's issue form); then it is refused as a revoked "
        "one is (401). A whole number from 1 to token_max_days.",
    ),
    (
        "token_max_days",
        "365",
        "AVERT_TOKEN_MAX_DAYS",
        "Longest lifetime, in days, that 'avert users token --days' may give a "
        "token: a longer one is refused. At most 3650 (ten years): no token lives "
        "for ever.",
    ),
    (
        "map_tile_url",
        "",
        "AVERT_MAP_TILE_URL",
        "Optional map tile URL template for the web app's maps. Empty (the default): "
        "maps are drawn as inline SVG from the store's own coordinates and nothing "
        "is fetched at run time.",
    ),
    (
        "pseudonym_key",
        "",
        "AVERT_PSEUDONYM_KEY",
        "Secret key of the partner pseudonyms (HMAC-SHA256): at least 32 random "
        'characters, e.g. from python -c "import secrets; '
        'print(secrets.token_urlsafe(32))". Partner outputs are refused without it '
        "(outside 'avert demo'). Keep it with the police; it is never printed. A "
        "stable key lets partners link one person across briefings: see "
        "pseudonym_rotation.",
    ),
    (
        "pseudonym_rotation",
        "none",
        "AVERT_PSEUDONYM_ROTATION",
        "none, monthly or quarterly: derive a new pseudonym key from the secret each "
        "period (HMAC), so the same person has a different pseudonym in each period; "
        "a partner briefing then starts no earlier than its period, so no incident "
        "is shown under two keys. It does not make periods unlinkable: items that "
        "live across periods (plan actions, taskings and tasked marks, in the "
        "briefing, the plan board and the meeting page) show the same item beside "
        "each period's pseudonyms, so a partner can link them.",
    ),
    (
        "pseudonym_scope",
        "organisation",
        "AVERT_PSEUDONYM_SCOPE",
        "organisation or shared: whose pseudonyms a partner reads. organisation "
        "(the default): a key per organisation (HMAC-SHA256(secret, "
        "'avert-organisation:ORG')) and one for the board, so each reads its own "
        "pseudonyms and two organisations cannot join what they read by "
        "pseudonym; the command line's partner outputs need --org, and so do "
        "the Python workflows' (organisation=). An organisation's name as stored "
        "derives its key: a new account's is stored trimmed with inner spaces "
        "as one, and one differing from an existing account's only by case, "
        "spaces, accents or look-alike letters is refused, as is a new one "
        "mixing scripts or holding invisible characters ('avert users list' and "
        "'avert status' warn of two "
        "spellings made before). shared, the "
        "former default: one key for every partner organisation and the board, "
        "for partners that must link what each was shown by pseudonym under a "
        "data-sharing agreement. Switching changes every partner's pseudonyms "
        "once: docs/briefing.md, 'Partner audience'.",
    ),
    (
        "places_cell_m",
        "150",
        "AVERT_PLACES_CELL_M",
        "Cell size in metres of the places forecast: the web Places page, the "
        "briefing's places and 'avert forecast' (unless --cell is given) all use it, "
        "so the meeting and the analyst see the same top cells. 150 m is the size "
        "the forecast was evaluated at (docs/places.md, Measured).",
    ),
    (
        "password",
        "",
        "AVERT_PASSWORD",
        "Password that 'avert users add' and 'avert users reset-password' give the "
        "account, so that scripts need no prompt; without it they prompt (hidden). "
        "Never a command argument; never printed.",
    ),
    # --- ingest limits (avert.ingest.limits): a file over one is refused, not loaded
    (
        "ingest_max_file_bytes",
        "8G",
        "AVERT_INGEST_MAX_FILE_BYTES",
        "Largest input file, uncompressed (a plain file or a zip member); bigger "
        "files are refused and quarantined. Sizes: 8G, 512M, 1048576.",
    ),
    (
        "ingest_max_archive_bytes",
        "32G",
        "AVERT_INGEST_MAX_ARCHIVE_BYTES",
        "Largest total uncompressed size of one zip's members (nested zips "
        "included); members past it are refused.",
    ),
    (
        "ingest_max_ratio",
        "200",
        "AVERT_INGEST_MAX_RATIO",
        "Largest compression ratio of a zip member of 1 MiB or more (text is about "
        "10:1, zip bombs 1000:1); a member over it is refused unread.",
    ),
    (
        "ingest_max_line_bytes",
        "1M",
        "AVERT_INGEST_MAX_LINE_BYTES",
        "Longest line of an input file; a file with a longer line is refused "
        "(quoted fields up to this size are read).",
    ),
)
#: default of each setting, by name: the one place defaults are written
_DEFAULTS: Final[dict[str, str]] = {name: default for name, default, _, _ in SETTINGS}
#: environment variable of each setting, by name
_ENV: Final[dict[str, str]] = {name: env for name, _, env, _ in SETTINGS}
#: default of the ``lock_timeout_s`` setting, seconds
DEFAULT_LOCK_TIMEOUT_S: Final = float(_DEFAULTS["lock_timeout_s"])
#: defaults of the ``db_pool_size``, ``db_max_overflow``, ``db_pool_timeout_s`` settings
DEFAULT_POOL_SIZE: Final = int(_DEFAULTS["db_pool_size"])
DEFAULT_MAX_OVERFLOW: Final = int(_DEFAULTS["db_max_overflow"])
DEFAULT_POOL_TIMEOUT_S: Final = float(_DEFAULTS["db_pool_timeout_s"])
#: default of the ``places_cell_m`` setting, metres
DEFAULT_PLACES_CELL_M: Final = float(_DEFAULTS["places_cell_m"])
#: defaults of the ``token_days`` and ``token_max_days`` settings, days
DEFAULT_TOKEN_DAYS: Final = int(_DEFAULTS["token_days"])
DEFAULT_TOKEN_MAX_DAYS: Final = int(_DEFAULTS["token_max_days"])
#: the most ``token_max_days`` may be: ten years (a token is not for ever)
TOKEN_DAYS_CEILING: Final = 3650


@dataclass(frozen=True)
class Settings:
    """Resolved settings (defaults < environment < explicit arguments).

    One field per row of :data:`SETTINGS`, in its order, defaults taken from it;
    secrets are left out of ``repr``.
    """

    database_url: str = _DEFAULTS["database_url"]
    crs: str = _DEFAULTS["crs"]
    definition: str = _DEFAULTS["definition"]
    harm_table: str = _DEFAULTS["harm_table"]
    risk_config: str = _DEFAULTS["risk_config"]
    places_config: str = _DEFAULTS["places_config"]
    timezone: str = _DEFAULTS["timezone"]
    file_mode: str = _DEFAULTS["file_mode"]
    lock_timeout_s: str = _DEFAULTS["lock_timeout_s"]
    db_pool_size: str = _DEFAULTS["db_pool_size"]
    db_max_overflow: str = _DEFAULTS["db_max_overflow"]
    db_pool_timeout_s: str = _DEFAULTS["db_pool_timeout_s"]
    #: a secret: never shown in repr or logs
    secret_key: str = field(default=_DEFAULTS["secret_key"], repr=False)
    session_idle_minutes: str = _DEFAULTS["session_idle_minutes"]
    session_max_hours: str = _DEFAULTS["session_max_hours"]
    session_cookie_secure: str = _DEFAULTS["session_cookie_secure"]
    login_max_failures: str = _DEFAULTS["login_max_failures"]
    login_lockout_minutes: str = _DEFAULTS["login_lockout_minutes"]
    login_client_max_failures: str = _DEFAULTS["login_client_max_failures"]
    login_client_window_minutes: str = _DEFAULTS["login_client_window_minutes"]
    token_days: str = _DEFAULTS["token_days"]
    token_max_days: str = _DEFAULTS["token_max_days"]
    map_tile_url: str = _DEFAULTS["map_tile_url"]
    #: a secret: never shown in repr or logs
    pseudonym_key: str = field(default=_DEFAULTS["pseudonym_key"], repr=False)
    pseudonym_rotation: str = _DEFAULTS["pseudonym_rotation"]
    pseudonym_scope: str = _DEFAULTS["pseudonym_scope"]
    places_cell_m: str = _DEFAULTS["places_cell_m"]
    #: a secret: never shown in repr or logs
    password: str = field(default=_DEFAULTS["password"], repr=False)
    ingest_max_file_bytes: str = _DEFAULTS["ingest_max_file_bytes"]
    ingest_max_archive_bytes: str = _DEFAULTS["ingest_max_archive_bytes"]
    ingest_max_ratio: str = _DEFAULTS["ingest_max_ratio"]
    ingest_max_line_bytes: str = _DEFAULTS["ingest_max_line_bytes"]

    def definition_id(self) -> str:
        """The id of ``definition``'s classifications: the setting itself, or the
        ``[profile] id`` of the violence TOML file it names
        (:func:`avert.config.definitions.profile_id`, which reads the file once per
        version of it: an edited file gives its new id at the next call)."""
        from avert.config.definitions import profile_id

        return profile_id(self.definition)

    def lock_timeout(self) -> float:
        """``lock_timeout_s`` as seconds (a number >= 0)."""
        try:
            seconds = float(self.lock_timeout_s)
        except ValueError:
            seconds = -1.0
        if not seconds >= 0:
            msg = (
                f"lock_timeout_s (AVERT_LOCK_TIMEOUT_S) must be a number of seconds "
                f">= 0, not {self.lock_timeout_s!r}"
            )
            raise ConfigError(msg)
        return seconds

    def pool_limits(self) -> tuple[int, int, float]:
        """The connection pool settings: ``db_pool_size`` (a whole number > 0),
        ``db_max_overflow`` (a whole number >= 0), ``db_pool_timeout_s`` (seconds
        > 0); a ConfigError names a bad one."""
        overflow = self.db_max_overflow.strip()
        if not overflow.isdigit():
            msg = (
                "db_max_overflow (AVERT_DB_MAX_OVERFLOW) must be a whole number of "
                f"connections >= 0, not {self.db_max_overflow!r}"
            )
            raise ConfigError(msg)
        return (
            int(self._positive("db_pool_size", "connections", whole=True)),
            int(overflow),
            self._positive("db_pool_timeout_s", "seconds"),
        )

    def session_max_seconds(self) -> float:
        """``session_max_hours`` as seconds (a number of hours > 0)."""
        return self._positive("session_max_hours", "hours") * 3600

    def session_cookie_https_only(self) -> bool:
        """``session_cookie_secure`` as a bool (true/false, yes/no, 1/0)."""
        value = self.session_cookie_secure.strip().lower()
        if value in ("true", "yes", "1"):
            return True
        if value in ("false", "no", "0", ""):
            return False
        msg = (
            "session_cookie_secure (AVERT_SESSION_COOKIE_SECURE) must be true or "
            f"false, not {self.session_cookie_secure!r}"
        )
        raise ConfigError(msg)

    def risk_config_file(self) -> str | None:
        """``risk_config`` as a path, or ``None`` for the packaged risk.toml."""
        return self.risk_config.strip() or None

    def places_config_file(self) -> str | None:
        """``places_config`` as a path, or ``None`` for the packaged places.toml."""
        return self.places_config.strip() or None

    def places_cell_size(self) -> float:
        """``places_cell_m`` as metres (a number > 0)."""
        return self._positive("places_cell_m", "metres")

    def login_limits(self) -> tuple[int, int, int, int]:
        """The sign-in limits as whole numbers > 0 (a ConfigError names a bad one).

        Account failures in a row, lockout minutes, failures of one client address,
        that count's window in minutes.
        """
        names = (
            ("login_max_failures", "failures"),
            ("login_lockout_minutes", "minutes"),
            ("login_client_max_failures", "failures"),
            ("login_client_window_minutes", "minutes"),
        )
        a, b, c, d = (int(self._positive(n, unit, whole=True)) for n, unit in names)
        return a, b, c, d

    def token_lifetimes(self) -> tuple[int, int]:
        """``token_days`` and ``token_max_days`` as whole numbers of days > 0, the
        first no more than the second (a ConfigError names a bad one)."""
        days = int(self._positive("token_days", "days", whole=True))
        max_days = int(self._positive("token_max_days", "days", whole=True))
        if max_days > TOKEN_DAYS_CEILING:
            msg = (
                f"token_max_days (AVERT_TOKEN_MAX_DAYS) must be at most "
                f"{TOKEN_DAYS_CEILING} days (ten years), not {max_days}"
            )
            raise ConfigError(msg)
        if days > max_days:
            msg = (
                f"token_days (AVERT_TOKEN_DAYS) must be at most token_max_days "
                f"(AVERT_TOKEN_MAX_DAYS), {max_days}, not {days}: set both"
            )
            raise ConfigError(msg)
        return days, max_days

    def _positive(self, name: str, unit: str, *, whole: bool = False) -> float:
        """Setting ``name`` as a finite number > 0 (``whole``: a whole number), or a
        ConfigError naming it."""
        text = getattr(self, name)
        try:
            value = float(int(text)) if whole else float(text)
        except ValueError:
            value = 0.0
        if not (value > 0 and value < float("inf")):
            kind = "a whole number" if whole else "a number"
            msg = f"{name} ({_ENV[name]}) must be {kind} of {unit} > 0, not {text!r}"
            raise ConfigError(msg)
        return value

    def with_overrides(self, **overrides: str | None) -> Settings:
        """Return a copy with every non-None override applied."""
        known = {f.name for f in fields(self)}
        clean = {k: v for k, v in overrides.items() if v is not None and k in known}
        return replace(self, **clean)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment (``AVERT_*`` variables) over the defaults."""
    env = os.environ if environ is None else environ
    values = {name: env.get(var, default) for name, default, var, _ in SETTINGS}
    return Settings(**values)


def check_url_argument(url: str, *, option: str = "--db") -> str:
    """``url``, a database URL given as a command argument, when it holds no password.

    An argument is visible to every user of the machine (``ps``) and kept in shell
    history, so a URL with a non-empty password (``postgresql://avert:PW@host/db``,
    or ``?password=PW``) is a :class:`ConfigError` that says where the password goes
    instead and never repeats it. No password, or an empty one (the tests' own
    server: ``postgresql://postgres:@/db?host=...``), is fine; a plain file path
    (SQLite) holds none.
    """
    parts = urlsplit(url)
    in_query = any(
        value
        for key, values in parse_qs(parts.query).items()
        if key == "password"
        for value in values
    )
    if not parts.password and not in_query:
        return url
    msg = (
        f"{option}: the URL holds a password, which a command argument shows to "
        "every user of the machine (ps) and leaves in shell history. Put the URL "
        "in AVERT_DATABASE_URL (the service's environment file, mode 0600) or the "
        "password in ~/.pgpass (or the file PGPASSFILE names), and give "
        f"{option} the URL without it (docs/postgresql.md)."
    )
    raise ConfigError(msg)


def hand_to_child_processes(values: Mapping[str, str]) -> None:
    """Set ``AVERT_*`` variables in this process's environment, for the processes it
    starts (``avert serve --workers``: each worker reads its settings with
    :func:`load_settings`). Only this module touches the environment, so every
    setting stays in :data:`SETTINGS` and docs/settings.md."""
    known = {var for _, _, var, _ in SETTINGS}
    unknown = sorted(set(values) - known)
    if unknown:
        msg = f"not avert settings: {', '.join(unknown)}"
        raise ValueError(msg)
    os.environ.update(values)
