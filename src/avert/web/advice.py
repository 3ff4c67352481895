"""The web's words for a note's advice on one force's figures.

The briefing's notes carry that advice as data (a kind:
:data:`avert.workflows._forces.ADVICE_KINDS`), which the command line and the
briefing word with a command (``avert brief --area``, ``--police-force``:
:data:`avert.workflows._forces.COMMAND_WORDS`). An officer, a partner or a board
member reading the web's pages has no command line: these words name none.
Those who run avert (an administrator, an analyst) read, under each far-apart
force's places, the ``avert forecast`` line listing the same cells
(:func:`forecast_command`: the force's name quoted for the shell).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from avert.workflows._forces import Advice, forecast_command

#: How the web's pages word each advice (Today's notes, the Places page)
WEB_ONE_FORCE: Final = (
    "One force's alone need a store of its own, which the force's avert "
    "administrator or analyst loads."
)
WEB_ADVICE: Final[Mapping[Advice, str]] = {
    "brief_area": WEB_ONE_FORCE,
    "police_force": WEB_ONE_FORCE,
    "window": WEB_ONE_FORCE,
}

__all__ = ["WEB_ADVICE", "WEB_ONE_FORCE", "forecast_command"]
