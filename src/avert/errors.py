"""The avert error tree: every error avert raises on purpose is an ``AvertError``.

Bad input rows are *data*, not exceptions: they go to the quarantine table. These
exceptions are for whole-file or whole-call failures (unreadable file, bad
configuration, missing table), so that the CLI and web boundary can render them.
"""

from __future__ import annotations

__all__ = [
    "AvertError",
    "AvertWarning",
    "ConfigError",
    "ConflictError",
    "FieldError",
    "IngestError",
    "MonthStartsError",
    "NotFittedError",
    "NotFound",
    "PermissionDenied",
    "SchemaError",
    "StoreBusy",
    "StoreError",
    "StoreUnavailable",
    "TooEarlyError",
    "TooManyAttempts",
]


class AvertError(Exception):
    """Base class of every error avert raises on purpose."""


class ConfigError(AvertError, ValueError):
    """A configuration file or parameter is invalid; the message names file and key."""


class FieldError(ConfigError):
    """A value refused for one named field (an action's ``rag_reason``, its
    ``review_date``): a form shows the message beside that field."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        #: the field (the form's input name) the message is about
        self.field = field


class ConflictError(ConfigError):
    """A change refused because another user (another process, another request)
    changed the same record since it was read: nothing is written; the message says
    who and when. A ``ConfigError`` so that every boundary that shows a refused
    change's reason shows this one."""

    def __init__(self, message: str, *, ids: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        #: the records whose stored version was not the one read
        self.ids = ids


class TooEarlyError(ConfigError):
    """Settings are fine but the time asked for is too early for the request (a
    partner briefing less than an hour into its pseudonym key period): it passes by
    itself; the web answers 503 with the reason, not "not configured"."""


class MonthStartsError(ConfigError):
    """Every event of a forecast is dated 00:00 on the first of its month: month-only
    dates (data.police.uk's) stored as days. ``avert forecast`` stops on it; the
    briefing, whose other sections still hold, forecasts no places and says why."""


class SchemaError(AvertError, ValueError):
    """A frame is missing columns or has columns of the wrong type."""


class IngestError(AvertError):
    """A whole input file cannot be read (unreadable, no recognisable header)."""


class NotFittedError(AvertError, ValueError, AttributeError):
    """A model was used before ``fit``."""


class NotFound(AvertError, LookupError):  # noqa: N818 - name set by STYLE.md
    """A requested record, table or file does not exist."""


class PermissionDenied(AvertError, PermissionError):  # noqa: N818 - name set by STYLE.md
    """The current role may not see or do this."""


class TooManyAttempts(PermissionDenied):
    """Too many failed attempts from one client: refused unchecked for a while."""

    def __init__(self, message: str, *, retry_after_s: float) -> None:
        super().__init__(message)
        #: seconds until the client may try again
        self.retry_after_s = retry_after_s


class StoreError(AvertError):
    """The database refused an operation or is at the wrong schema version."""


class StoreUnavailable(StoreError):  # noqa: N818 - reads as the state it reports
    """The database server cannot be reached, or dropped the connection mid-query
    (server down or restarting, network lost)."""


class StoreBusy(StoreUnavailable):
    """Every database connection this process may open stayed in use for the pool
    timeout (settings ``db_pool_size``, ``db_max_overflow``, ``db_pool_timeout_s``):
    the server answers, the process has too much to do at once."""


class AvertWarning(UserWarning):
    """Base class of avert's warnings."""
