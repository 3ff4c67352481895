"""Expand the paths a user gives into input files: files, folders, zips, archive layout.

data.police.uk archives unpack to ``YYYY-MM/YYYY-MM-<force>-<kind>.csv``; a folder is
walked recursively (sorted, so a load is deterministic), and a ``.zip`` (given directly,
met in a folder, or held in another zip, up to :data:`MAX_ZIP_DEPTH` deep) is read
member by member without unpacking, each archive opened once. Files that are not
data (README, images, ``__MACOSX`` debris) are listed as skipped, never read as data.

Nothing outside what was asked for is read: a symbolic link in a folder that points
outside it is refused unless links are to be followed, and a file or zip member over
the limits (:class:`~avert.ingest.limits.Limits`: size, compression ratio, total of an
archive) is refused from the sizes the archive declares, before a byte is unpacked
(a member never yields more bytes than it declares). A refused file is still listed
(:attr:`SourceFile.refusal`), so that the load reports and quarantines it.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Final

from avert.errors import IngestError
from avert.ingest.limits import DEFAULT_LIMITS, Limits, Refused

__all__ = [
    "MAX_ZIP_DEPTH",
    "SourceFile",
    "expand_paths",
    "sha256_hex",
    "unpack_member",
]

DATA_SUFFIXES = (".csv", ".json")
_UNPACK_CHUNK: Final = 8 << 20  # bytes per copy step of a zip member to disk
#: zips inside zips are read down to this depth (a deeper one is refused)
MAX_ZIP_DEPTH: Final = 3


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class SourceFile:
    """One input file: its display name, its base name, and how to read its bytes.

    ``path`` is set for a plain file on disk (not a zip member): a big file can then
    be streamed and read part by part instead of held whole. ``refusal`` is set for
    a file that must not be read (over a limit, a link out of the input folder): it
    is reported with that reason.
    """

    name: str
    basename: str
    reader: Callable[[], bytes] = field(repr=False, compare=False)
    path: Path | None = field(default=None, repr=False, compare=False)
    refusal: Refused | None = field(default=None, repr=False, compare=False)
    #: a zip member: opens it as a stream, and its (declared) uncompressed size
    opener: Callable[[], IO[bytes]] | None = field(
        default=None, repr=False, compare=False
    )
    size: int = 0

    def read_bytes(self, limits: Limits = DEFAULT_LIMITS) -> bytes:
        """The file's bytes.

        Raises
        ------
        IngestError
            When unreadable; :class:`Refused` when refused or over the size limit.
        """
        if self.refusal is not None:
            raise self.refusal
        try:
            if self.path is not None:
                too_big = limits.file_too_big(self.path.stat().st_size, self.name)
                if too_big is not None:
                    raise too_big
            return self.reader()
        except (OSError, zipfile.BadZipFile, KeyError, EOFError) as err:
            msg = f"Cannot read {self.name}: {err}"
            raise IngestError(msg) from err


_LINE_BREAKS: Final = (b"\n", b"\r")
_COUNT_CHUNK: Final = 1 << 23


def unterminated_last_line(path: Path) -> int | None:
    """The physical line number (1-based) of a CSV file's last line when the file
    does not end with a line break, else None (also for an empty or unreadable
    file, or one not named ``.csv``).

    Every file police.uk and avert write ends with a line break; a copy or a
    download that stopped part way ends inside a row, which may still have every
    field (cut inside its last one) and read as whole. Only such a file is read
    again, in chunks, to count its lines.
    """
    if not path.name.lower().endswith(".csv"):
        return None
    try:
        with path.open("rb") as fh:
            if fh.seek(0, 2) == 0:
                return None
            fh.seek(-1, 2)
            if fh.read(1) in _LINE_BREAKS:
                return None
            fh.seek(0)
            newlines = returns = 0  # lines end in LF or CRLF, or (old Macs) CR
            while chunk := fh.read(_COUNT_CHUNK):
                newlines += chunk.count(b"\n")
                returns += chunk.count(b"\r")
    except OSError:
        return None
    return (newlines or returns) + 1


def unpack_member(source: SourceFile, stack: ExitStack, limits: Limits) -> Path:
    """Unpack a zip member to a private temporary file (removed with ``stack``).

    It is copied in chunks (never held); a member that unpacks to more than the
    file-size limit is refused (the archive's declared size was checked before).

    Raises
    ------
    IngestError
        When the member cannot be unpacked; :class:`Refused` when over the limit.
    """
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="avert-member-"))
    path = Path(folder) / "member"
    assert source.opener is not None
    try:
        with source.opener() as src, path.open("wb") as dst:
            shutil.copyfileobj(src, dst, _UNPACK_CHUNK)
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        msg = f"Cannot read {source.name}: {err}"
        raise IngestError(msg) from err
    too_big = limits.file_too_big(path.stat().st_size, source.name)
    if too_big is not None:
        raise too_big
    return path


def _file_reader(path: Path) -> Callable[[], bytes]:
    return path.read_bytes


class _Archive:
    """A zip opened once for all its members (reopening per member is quadratic).

    It is closed once its last member to be read has been read (and after the
    listing), so a folder of many zips never holds them all open.
    """

    def __init__(self, shown: str, source: Path | bytes) -> None:
        self.shown = shown
        self._source = source
        self._zip: zipfile.ZipFile | None = None
        self.pending = 0  # members still to be read

    def open(self) -> zipfile.ZipFile:
        if self._zip is None:
            file: Path | IO[bytes] = (
                self._source
                if isinstance(self._source, Path)
                else io.BytesIO(self._source)
            )
            self._zip = zipfile.ZipFile(file)
        return self._zip

    def reader(self, member: str) -> Callable[[], bytes]:
        self.pending += 1

        def read() -> bytes:
            try:
                return self.open().read(member)
            finally:
                self._done()

        return read

    def opener(self, member: str) -> Callable[[], IO[bytes]]:
        def open_member() -> IO[bytes]:
            # an open member keeps the file open after the archive is closed
            try:
                return self.open().open(member)
            finally:
                self._done()

        return open_member

    def _done(self) -> None:
        self.pending -= 1
        if self.pending <= 0:
            self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None


def _is_junk(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(p.startswith((".", "__MACOSX")) for p in parts)


def _member_refusal(
    info: zipfile.ZipInfo, shown: str, limits: Limits, total: int
) -> Refused | None:
    """Why a member must not be unpacked (declared sizes), or None."""
    size = info.file_size
    too_big = limits.file_too_big(size, shown)
    if too_big is not None:
        return too_big
    ratio = size / max(info.compress_size, 1)
    if size >= limits.ratio_min_bytes and ratio > limits.ratio:
        return Refused(
            f"{shown}: compression ratio {ratio:,.0f}:1 ({size:,} bytes from "
            f"{info.compress_size:,}), over the limit of {limits.ratio:,.0f}:1 "
            "(setting ingest_max_ratio): refused unread as a likely zip bomb"
        )
    if total + size > limits.archive_bytes:
        return Refused(
            f"{shown}: the archive's members add up to more than "
            f"{limits.archive_bytes:,} bytes uncompressed (setting "
            "ingest_max_archive_bytes)"
        )
    return None


@dataclass
class _Expansion:
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: uncompressed bytes taken from the current top-level archive so far
    archive_total: int = 0


def _refused_file(shown: str, refusal: Refused) -> SourceFile:
    def unread() -> bytes:
        raise refusal

    return SourceFile(shown, PurePosixPath(shown).name, unread, refusal=refusal)


def _expand_zip(
    archive: _Archive,
    suffixes: tuple[str, ...],
    limits: Limits,
    out: _Expansion,
    depth: int = 1,
) -> None:
    try:
        zf = archive.open()
        infos = sorted(
            (i for i in zf.infolist() if not i.is_dir()), key=lambda i: i.filename
        )
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        msg = f"Cannot open zip {archive.shown}: {err}"
        if depth == 1:
            raise IngestError(msg) from err
        out.files.append(_refused_file(archive.shown, Refused(msg)))
        return
    for info in infos:
        member = info.filename
        shown = f"{archive.shown}!{member}"
        lower = member.lower()
        if _is_junk(member):
            out.skipped.append(shown)
            continue
        is_zip = lower.endswith(".zip")
        if not is_zip and not lower.endswith(suffixes):
            out.skipped.append(shown)
            continue
        refusal = _member_refusal(info, shown, limits, out.archive_total)
        if refusal is None and is_zip and depth >= MAX_ZIP_DEPTH:
            refusal = Refused(
                f"{shown}: a zip nested more than {MAX_ZIP_DEPTH} deep is not read"
            )
        if refusal is not None:
            out.files.append(_refused_file(shown, refusal))
            continue
        if is_zip:
            out.archive_total += info.file_size
            try:
                inner = zf.read(member)
            except (OSError, zipfile.BadZipFile, EOFError) as err:
                out.files.append(
                    _refused_file(shown, Refused(f"Cannot read {shown}: {err}"))
                )
                continue
            _expand_zip(_Archive(shown, inner), suffixes, limits, out, depth + 1)
            continue
        out.archive_total += info.file_size
        out.files.append(
            SourceFile(
                shown,
                PurePosixPath(member).name,
                archive.reader(member),
                opener=archive.opener(member),
                size=info.file_size,
            )
        )
    archive.close()  # listed: reopened at the first read (few files held open)


def _zip_files(
    path: Path, suffixes: tuple[str, ...], limits: Limits, out: _Expansion
) -> None:
    out.archive_total = 0
    _expand_zip(_Archive(str(path), path), suffixes, limits, out)


def _walk(root: Path, *, follow_links: bool) -> list[tuple[Path, str | None]]:
    """Files under ``root`` (sorted), each with a reason not to read it, or None.

    Without ``follow_links`` a symbolic link is read only when it points inside
    ``root`` (a file linked from elsewhere in the tree); a link out of it, or a
    broken one, is listed with its reason and never read.
    """
    base = root.resolve()
    found: list[tuple[Path, str | None]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=follow_links):
        here = Path(dirpath)
        names = list(filenames)
        if not follow_links:  # os.walk does not descend into linked folders
            names += [d for d in dirnames if (here / d).is_symlink()]
        for name in names:
            child = here / name
            if child.is_symlink() and not follow_links:
                target = child.resolve()
                if not target.is_relative_to(base):
                    found.append(
                        (
                            child,
                            f"{child} is a symbolic link to {target}, outside the "
                            "input folder: not followed (--follow-links reads it)",
                        )
                    )
                    continue
                if target.is_dir():
                    continue  # inside the tree: its files are read where they are
            if child.is_file():
                found.append((child, None))
            elif child.is_symlink():
                found.append((child, f"{child} is a broken symbolic link"))
    return sorted(found, key=lambda item: item[0])


def expand_paths(
    paths: Iterable[str | Path],
    *,
    suffixes: tuple[str, ...] = DATA_SUFFIXES,
    limits: Limits = DEFAULT_LIMITS,
    follow_links: bool = False,
) -> tuple[list[SourceFile], list[str]]:
    """Expand files, folders and zips into data files, in a deterministic order.

    Parameters
    ----------
    paths
        Files, folders (walked recursively) or ``.zip`` archives.
    suffixes
        File name endings taken as data; anything else is returned as skipped.
    limits
        Size, ratio and archive limits: a file over one is listed refused.
    follow_links
        Read symbolic links that point outside a given folder (default: refuse).

    Returns
    -------
    files, skipped
        The data files (refused ones carry :attr:`SourceFile.refusal`), and the
        names of files passed over (not data).

    Raises
    ------
    IngestError
        When a path does not exist or a zip given cannot be opened (a zip met in
        a folder that cannot be opened is listed refused instead).
    """
    out = _Expansion()
    for given in paths:
        path = Path(given)
        if not path.exists():
            msg = f"No such file or folder: {path}"
            raise IngestError(msg)
        if path.is_dir():
            for child, why in _walk(path, follow_links=follow_links):
                rel = child.relative_to(path)
                if _is_junk(rel.as_posix()):
                    out.skipped.append(str(child))
                elif why is not None:
                    out.files.append(_refused_file(str(child), Refused(why)))
                elif child.suffix.lower() == ".zip":
                    try:
                        _zip_files(child, suffixes, limits, out)
                    except IngestError as err:  # met in a folder: one odd file
                        out.files.append(_refused_file(str(child), Refused(str(err))))
                elif child.name.lower().endswith(suffixes):
                    out.files.append(
                        SourceFile(
                            str(child), child.name, _file_reader(child), path=child
                        )
                    )
                else:
                    out.skipped.append(str(child))
        elif path.suffix.lower() == ".zip":
            _zip_files(path, suffixes, limits, out)
        else:
            # A file named explicitly is always read, whatever its name.
            out.files.append(
                SourceFile(str(path), path.name, _file_reader(path), path=path)
            )
    return out.files, out.skipped
