"""The delivery plan: plans, RIPE objectives with measures, actions, taskings, checks.

Pure (no store, no I/O): dataclasses and Polars frames in, frames and findings out.
:mod:`avert.workflows.delivery` reads and writes them through the store, versions
and audits every change; the CLI and the web app call the workflows.
"""

from avert.delivery import model
from avert.delivery.model import *  # noqa: F403  (the package's names are its model's)

__all__ = list(model.__all__)
