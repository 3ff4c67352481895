"""Private files and spreadsheet-safe CSV: the one place avert writes files for people.

Files avert writes can hold personal data (names, dates of birth, person ids): the
database, briefings, exports, the demo's report. Every writer goes through this
module, so they are owner-only by default: files ``0600``, folders ``0700``. The
``file_mode`` setting (``AVERT_FILE_MODE``, an octal mode such as ``640`` for a team
group) relaxes it; a folder gets the file mode plus search (``x``) wherever the file
mode can read, so ``640`` gives folders ``750``.

* :func:`private_mkdir` creates folders (and missing parents) with the folder mode;
* :func:`private_write_bytes` / :func:`private_write_text` write a file atomically (a
  temporary file in the same folder, then a rename), so a reader or a kill never sees
  half a file and an existing file's looser mode never survives;
* :func:`private_files` sets the process umask for writers that create files
  themselves (SQLite's ``-wal``/``-shm``/``-journal``, WeasyPrint);
* :func:`neutralise_cells` and :func:`write_csv` make CSV exports safe to open in a
  spreadsheet: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return would be read as a formula (``=HYPERLINK(...)``, ``+cmd|...``), so it
  gets a leading single quote (OWASP, "CSV Injection"), and so does a cell already
  beginning with a quote, so :func:`restore_cells` gives the exact text back.
  Numbers are left as they are.
  Data-interchange files meant for programs (the synthetic record bundle) are written
  verbatim: a quote would change the data.
* :func:`read_text_input` and :func:`read_csv_input` read a file a user named on the
  command line (area outlines, an audit export, a priority list): one that is
  missing, a folder, not UTF-8 or not CSV is an :class:`~avert.errors.IngestError`
  naming the file, one line, never a traceback.

The mode comes from the explicit ``mode`` argument, else from ``AVERT_FILE_MODE``, so
that the Python API is private by default too, not only the CLI.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Final

import polars as pl

from avert.config.settings import load_settings
from avert.errors import ConfigError, IngestError

__all__ = [
    "DEFAULT_FILE_MODE",
    "FORMULA_PREFIXES",
    "file_mode",
    "folder_mode",
    "looser_than_allowed",
    "neutralise_cells",
    "private_files",
    "private_mkdir",
    "private_write_bytes",
    "private_write_text",
    "read_csv_input",
    "read_text_input",
    "restore_cells",
    "restrict",
    "write_csv",
]

#: Owner read and write only.
DEFAULT_FILE_MODE: Final = 0o600
#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
#: Cells quoted by :func:`neutralise_cells`: formulas, and cells that already begin
#: with a quote (so that :func:`restore_cells` can undo it without ambiguity).
_QUOTED_START: Final = r"^[=+\-@\t\r']"

Mode = int | str | None


def file_mode(mode: Mode = None) -> int:
    """Resolve the file mode: ``mode``, else ``AVERT_FILE_MODE``, else ``0o600``.

    A string is read as octal (``"600"``, ``"0o640"``). The mode must let the owner
    read and write, must not make files executable and holds no special bits.

    Raises
    ------
    ConfigError
        For a mode that is not octal or breaks those rules.
    """
    if mode is None:
        mode = load_settings().file_mode
    if isinstance(mode, str):
        text = mode.strip().lower().removeprefix("0o")
        try:
            value = int(text, 8)
        except ValueError as err:
            msg = f"file_mode must be an octal mode such as 600 or 640; got {mode!r}"
            raise ConfigError(msg) from err
    else:
        value = mode
    if value & ~0o777 or value & 0o111 or value & 0o600 != 0o600:
        msg = (
            f"file_mode {value:o} is not allowed: the owner must read and write "
            "(6 in the first digit), no one executes (no 1, 3, 5, 7), nothing above 777"
        )
        raise ConfigError(msg)
    return value


def folder_mode(mode: Mode = None) -> int:
    """The folder mode of a file mode: plus ``x`` wherever it can read (600 -> 700)."""
    value = file_mode(mode)
    return value | ((value & 0o444) >> 2)


@contextmanager
def private_files(mode: Mode = None) -> Iterator[None]:
    """Set the process umask so files and folders made inside the block are private.

    For writers avert does not control (SQLite creating its journal files,
    WeasyPrint). The umask is process-wide: it is restored when the block ends.
    """
    mask = 0o777 & ~folder_mode(mode)
    old = os.umask(mask)
    os.umask(mask | old)  # never loosen a stricter umask
    try:
        yield
    finally:
        os.umask(old)


def restrict(path: str | Path, *, mode: Mode = None) -> None:
    """Set an existing file to the file mode (no effect when it does not exist)."""
    with suppress(FileNotFoundError):
        Path(path).chmod(file_mode(mode))


def looser_than_allowed(
    paths: Iterable[str | Path], *, mode: Mode = None
) -> list[Path]:
    """The existing files among ``paths`` whose mode grants more than the file mode."""
    allowed = file_mode(mode)
    found = []
    for path in map(Path, paths):
        with suppress(FileNotFoundError):
            if stat.S_IMODE(path.stat().st_mode) & ~allowed:
                found.append(path)
    return found


def private_mkdir(path: str | Path, *, mode: Mode = None) -> Path:
    """Create ``path`` and its missing parents with the folder mode; return it.

    Folders that exist already are left as they are (they belong to the user).
    """
    folder = Path(path)
    dmode = folder_mode(mode)
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for item in reversed(missing):
        with suppress(FileExistsError):
            item.mkdir(mode=dmode)
        item.chmod(dmode)
    if not folder.is_dir():
        msg = f"{folder} exists and is not a folder"
        raise ConfigError(msg)
    return folder


def private_write_bytes(path: str | Path, data: bytes, *, mode: Mode = None) -> Path:
    """Write ``data`` to ``path`` with the file mode, atomically; return the path.

    The bytes go to a temporary file in the same folder (created owner-only), which
    then replaces ``path``: no one sees half a file, and a file that was there
    before (with a looser mode) is replaced, not reused.
    """
    target = Path(path)
    fmode = file_mode(mode)
    private_mkdir(target.parent, mode=mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).chmod(fmode)  # mkstemp made it 0600; the setting may relax it
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def private_write_text(
    path: str | Path, text: str, *, mode: Mode = None, encoding: str = "utf-8"
) -> Path:
    """Write ``text`` like :func:`private_write_bytes`."""
    return private_write_bytes(path, text.encode(encoding), mode=mode)


def neutralise_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix a single quote to text cells a spreadsheet would run as a formula.

    A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    becomes ``'`` + the cell (OWASP CSV injection guidance); so does a cell that
    already begins with ``'``, which makes the change reversible
    (:func:`restore_cells`). Other cells, nulls and non-text columns are unchanged.
    """
    return _rewrite_text_cells(
        frame,
        when=lambda cell: cell.str.contains(_QUOTED_START),
        then=lambda cell: pl.lit("'") + cell,
    )


def restore_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """Undo :func:`neutralise_cells`: drop the leading quote of every text cell."""
    return _rewrite_text_cells(
        frame,
        when=lambda cell: cell.str.starts_with("'"),
        then=lambda cell: cell.str.slice(1),
    )


def _rewrite_text_cells(
    frame: pl.DataFrame,
    *,
    when: Callable[[pl.Expr], pl.Expr],
    then: Callable[[pl.Expr], pl.Expr],
) -> pl.DataFrame:
    """``then(cell)`` for the text cells where ``when(cell)``; the rest unchanged."""
    exprs = [
        pl.when(when(pl.col(name)))
        .then(then(pl.col(name)))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    ]
    return frame.with_columns(exprs) if exprs else frame


def write_csv(frame: pl.DataFrame, path: str | Path, *, mode: Mode = None) -> Path:
    """Write ``frame`` as a spreadsheet-safe CSV (neutralised cells), privately."""
    text = neutralise_cells(frame).write_csv()
    return private_write_text(path, text, mode=mode)


def _input_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as an input file, or None when it can be tried."""
    if not path.exists():
        return "no such file"
    if path.is_dir():
        return "a folder, not a file"
    return None


def read_text_input(path: str | Path) -> str:
    """The text of a UTF-8 file a user named; an :class:`IngestError` when unreadable."""
    path = Path(path)
    why = _input_problem(path)
    if why is None:
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            why = "not UTF-8 text"
        except OSError as err:
            why = err.strerror or type(err).__name__
    msg = f"Cannot read {path}: {why}."
    raise IngestError(msg)


def read_csv_input(path: str | Path, **options: object) -> pl.DataFrame:
    """A CSV file a user named, read with ``pl.read_csv(path, **options)``.

    A missing file, a folder, an empty file or one that is not CSV is an
    :class:`IngestError` naming the file and the reason, one line.
    """
    path = Path(path)
    why = _input_problem(path)
    if why is None:
        try:
            return pl.read_csv(path, **options)  # type: ignore[arg-type]
        except pl.exceptions.NoDataError:
            why = "the file is empty"
        except (pl.exceptions.PolarsError, OSError) as err:
            why = (str(err).splitlines() or [type(err).__name__])[0]
    msg = f"Cannot read {path}: {why}."
    raise IngestError(msg)
