"""The retaliation alert's "live" reason: its words, shared by the analysis that
writes it and the partner briefing that passes it on.

A module of its own, light to import: the briefing needs the words, not
:mod:`avert.analyse.networks` (which imports python-igraph; a command refused
before any analysis, such as a forecast of month-only records, must not pay for it).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["LIVE_REASON", "LIVE_REASON_FORM"]

#: How the reason saying how long an alert is live begins: it names no one (only
#: dates, and whether the incident is dated alone or to the hour), so a partner's
#: briefing, which rebuilds the other reasons with pseudonyms, reads it as it is.
LIVE_REASON: Final = "alert live "
#: The whole of that reason in each of its three forms (exact, dated alone, to the
#: hour): words, numbers and dates only. A partner's briefing passes on a line
#: that matches it, never one that merely begins so: a reworded line that named the
#: victim would otherwise reach partners with the police id in it.
LIVE_REASON_FORM: Final = re.compile(
    r"alert live for \d+ days"
    r"( after the end of its day \(dated \d{4}-\d{2}-\d{2} alone, no time recorded\)"
    r"| after the end of its hour \(recorded to the hour, \d{4}-\d{2}-\d{2} "
    r"\d{2}:00, no minute\))?"
    r", until \d{4}-\d{2}-\d{2} \d{2}:\d{2}"
)
