"""The web app's warm-up: the slowest first views made before anyone opens them.

A daemon thread of the serving process (``avert serve``, each worker of
``--workers``) runs :func:`avert.workflows.views.warm_up_views` when the app starts,
then again whenever the store's data generation (:meth:`avert.store.Store.generation`,
raised by a load, a classification, a tasking or plan edit) has changed, looked at
every :data:`CHECK_EVERY_S` seconds (one primary-key read). So the first person page
after a start or a morning's load, and the first *Today* of the default window, find
the store's network and the briefing made, as a later view did (docs/web.md). Nothing
is shown by it, so nothing is audited; each view is audited as before. A failure
(no classification yet, a fault) is logged by kind only (no personal data) and tried
again at the next change or start; the database not answering, at the next look.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Final

from avert.errors import AvertError, StoreUnavailable
from avert.workflows.views import warm_up_views

if TYPE_CHECKING:
    from avert.web.app import WebContext

__all__ = ["CHECK_EVERY_S", "WarmUp"]

#: Seconds between two looks at the store's data generation.
CHECK_EVERY_S: Final = 30.0

log = logging.getLogger("avert.web")


class WarmUp:
    """The warm-up thread of one app (:meth:`start` on startup, :meth:`stop` on
    shutdown); ``check_every_s`` between two looks at the data generation."""

    def __init__(
        self, ctx: WebContext, *, check_every_s: float = CHECK_EVERY_S
    ) -> None:
        self.ctx = ctx
        self.check_every_s = check_every_s
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        #: the generations warmed so far (tests and logs read it)
        self.warmed: list[int] = []

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="avert-warm-up", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end (it ends after the warm-up under way, if any)."""
        self._stopped.set()

    def _run(self) -> None:
        last: int | None = None
        while not self._stopped.is_set():
            last = self._warm_if_changed(last)
            self._stopped.wait(self.check_every_s)

    def _warm_if_changed(self, last: int | None) -> int | None:
        """Warm when the generation is not ``last``; the generation looked at.

        A failure at a generation (nothing classified yet, a fault) is not tried
        again until the generation changes: looking every few seconds would make
        the same network again and log the same line. A database not answering
        (:class:`avert.errors.StoreUnavailable`) is tried again at the next look.
        """
        ctx = self.ctx
        try:
            generation = ctx.store.generation()
        except Exception as err:  # the database down: look again later
            log.warning("warm-up: no data generation: %s", type(err).__name__)
            return last
        if generation == last:
            return last
        try:
            warm_up_views(
                ctx.store,
                ctx.settings,
                person_networks=ctx.person_networks,
                briefings=ctx.briefings,
                allow_demo_key=ctx.demo,
            )
        except StoreUnavailable as err:  # mid-way: the next look tries again
            log.warning("warm-up failed: %s", type(err).__name__)
            return last
        except AvertError as err:  # e.g. nothing classified yet: the pages say so
            log.info("warm-up skipped: %s", type(err).__name__)
            return generation
        except Exception as err:  # a warm-up never stops the app
            log.warning("warm-up failed: %s", type(err).__name__)
            return generation
        self.warmed.append(generation)
        log.info("warm-up done for data generation %d", generation)
        return generation
