"""The web app's static files under URLs that name their content, and their caching.

Every answer of the app is ``Cache-Control: no-store`` (pages hold personal data),
which made every page re-fetch the stylesheet and the vendored htmx. A static file is
the same for everyone, so it may be kept, as long as a changed file gets a new URL:
:class:`StaticVersions` hashes each file's bytes once, when the app starts
(SHA-256, its first :data:`VERSION_CHARS` hex digits), templates link to
``static_url("avert.css")`` = ``/static/avert.css?v=<hash>``, and
:meth:`StaticVersions.cache_control` gives that exact URL a year's immutable cache
(the "cache busting" of RFC 8246's ``immutable``: the URL changes, not the file).

A static URL without its current version (an old page's link after an upgrade, a
hand-typed one) is answered ``no-cache``: a browser may keep it but asks again at
each use (a 304 on its ETag when unchanged), so it never shows a stale file under a
URL that does not name the content; with no personal data in it, there is no
reason for ``no-store``.
"""

from __future__ import annotations

import hashlib
from importlib.resources import files
from importlib.resources.abc import Traversable

__all__ = ["IMMUTABLE", "REVALIDATE", "VERSION_CHARS", "StaticVersions"]

#: hex digits of a file's SHA-256 in its URL (48 bits: no two versions collide)
VERSION_CHARS = 12
#: the cache of a static file under the URL of its content: a year, never asked again
IMMUTABLE = b"public, max-age=31536000, immutable"
#: the cache of a static file under any other URL: kept, but asked again at each use
REVALIDATE = b"no-cache"
_PREFIX = "/static/"


def _walk(folder: Traversable, under: str = "") -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for entry in folder.iterdir():
        name = f"{under}{entry.name}"
        if entry.is_dir():
            found |= _walk(entry, f"{name}/")
        else:
            found[name] = entry.read_bytes()
    return found


class StaticVersions:
    """Each static file's version (a hash of its bytes), read once at start-up.

    ``versions`` maps a file's name under ``/static/`` (``avert.css``) to its
    version, read from ``folder``: by default the package's ``avert/web/static``,
    the files the app's ``/static`` mount serves (another folder: tests).
    """

    def __init__(self, folder: Traversable | None = None) -> None:
        contents = _walk(folder or files("avert.web").joinpath("static"))
        self.versions = {
            name: hashlib.sha256(data).hexdigest()[:VERSION_CHARS]
            for name, data in contents.items()
        }

    def url(self, name: str) -> str:
        """``/static/<name>?v=<version>``: the template helper ``static_url``.

        A name with no file raises KeyError, so a broken link fails its page's
        test rather than a browser's fetch."""
        return f"{_PREFIX}{name}?v={self.versions[name]}"

    def cache_control(self, path: str, query: bytes, status: int) -> bytes | None:
        """The ``Cache-Control`` of a static answer, or None when it is no static
        file's (it stays ``no-store``).

        :data:`IMMUTABLE` when ``path`` and ``query`` are a file's current URL
        (exactly ``v=<version>``), :data:`REVALIDATE` for the file under any other
        query; a 404 or any other status under ``/static`` stays ``no-store``.
        """
        if status not in (200, 304) or not path.startswith(_PREFIX):
            return None
        version = self.versions.get(path[len(_PREFIX) :])
        if version is None:
            return None
        return IMMUTABLE if query == f"v={version}".encode() else REVALIDATE
