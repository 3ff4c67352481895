"""The web app: the daily meeting, officers, partners and the board.

Build it with :func:`create_app` (nothing is created at import time); serve it with
``avert serve``. See ``docs/web.md``.
"""

from avert.web.app import create_app

__all__ = ["create_app"]
