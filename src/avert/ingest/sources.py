"""Expand the paths a user gives into input files: files, folders, zips, archive layout.

data.police.uk archives unpack to ``YYYY-MM/YYYY-MM-<force>-<kind>.csv``; a folder is
walked recursively (sorted, so a load is deterministic), and a ``.zip`` (given directly
or met in a folder) is read member by member without unpacking. Files that are not
data (README, images, ``__MACOSX`` debris) are listed as skipped, never read as data.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from avert.errors import IngestError

__all__ = ["SourceFile", "expand_paths", "sha256_hex"]

DATA_SUFFIXES = (".csv", ".json")


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class SourceFile:
    """One input file: its display name, its base name, and how to read its bytes.

    ``path`` is set for a plain file on disk (not a zip member): a big file can then
    be streamed and read part by part instead of held whole.
    """

    name: str
    basename: str
    reader: Callable[[], bytes] = field(repr=False, compare=False)
    path: Path | None = field(default=None, repr=False, compare=False)

    def read_bytes(self) -> bytes:
        """The file's bytes (raises :class:`IngestError` when unreadable)."""
        try:
            return self.reader()
        except (OSError, zipfile.BadZipFile, KeyError) as err:
            msg = f"Cannot read {self.name}: {err}"
            raise IngestError(msg) from err


def _file_reader(path: Path) -> Callable[[], bytes]:
    return path.read_bytes


def _member_reader(archive: Path, member: str) -> Callable[[], bytes]:
    def read() -> bytes:
        with zipfile.ZipFile(archive) as zf:
            return zf.read(member)

    return read


def _is_junk(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(p.startswith((".", "__MACOSX")) for p in parts)


def _expand_zip(
    archive: Path, suffixes: tuple[str, ...]
) -> tuple[list[SourceFile], list[str]]:
    try:
        with zipfile.ZipFile(archive) as zf:
            members = sorted(i.filename for i in zf.infolist() if not i.is_dir())
    except (OSError, zipfile.BadZipFile) as err:
        msg = f"Cannot open zip {archive}: {err}"
        raise IngestError(msg) from err
    files, skipped = [], []
    for member in members:
        shown = f"{archive}!{member}"
        if _is_junk(member) or not member.lower().endswith(suffixes):
            skipped.append(shown)
            continue
        files.append(
            SourceFile(
                shown, PurePosixPath(member).name, _member_reader(archive, member)
            )
        )
    return files, skipped


def expand_paths(
    paths: Iterable[str | Path], *, suffixes: tuple[str, ...] = DATA_SUFFIXES
) -> tuple[list[SourceFile], list[str]]:
    """Expand files, folders and zips into data files, in a deterministic order.

    Parameters
    ----------
    paths
        Files, folders (walked recursively) or ``.zip`` archives.
    suffixes
        File name endings taken as data; anything else is returned as skipped.

    Returns
    -------
    files, skipped
        The data files, and the names of files passed over (not data).

    Raises
    ------
    IngestError
        When a path does not exist or a zip cannot be opened.
    """
    files: list[SourceFile] = []
    skipped: list[str] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            msg = f"No such file or folder: {path}"
            raise IngestError(msg)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = child.relative_to(path)
                if _is_junk(rel.as_posix()):
                    skipped.append(str(child))
                elif child.suffix.lower() == ".zip":
                    more, skip = _expand_zip(child, suffixes)
                    files += more
                    skipped += skip
                elif child.name.lower().endswith(suffixes):
                    files.append(
                        SourceFile(
                            str(child), child.name, _file_reader(child), path=child
                        )
                    )
                else:
                    skipped.append(str(child))
        elif path.suffix.lower() == ".zip":
            more, skip = _expand_zip(path, suffixes)
            files += more
            skipped += skip
        else:
            # A file named explicitly is always read, whatever its name.
            files.append(
                SourceFile(str(path), path.name, _file_reader(path), path=path)
            )
    return files, skipped
