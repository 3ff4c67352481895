"""Resource limits of a load: a hostile or broken file is refused, never let loose.

A small input can expand into a huge one (a zip of line breaks, a single line of a
gigabyte, a bundle of millions of repeated rows). Each limit below refuses the file
that exceeds it with a message naming the limit and its setting; the load goes on
with the other files, and the refusal is reported and quarantined (line 0 = the file
as a whole). The defaults are far above any real data.police.uk or bundle file (a
national year of street crime is about 1.5 GB, its lines under 1 KiB, its zips
compress about tenfold) and far below what exhausts an ordinary machine.

Motivated by a fault trial: a 1 MB zip of newlines, a 1 GiB line, a 16 M-row bundle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from avert.errors import IngestError

__all__ = ["DEFAULT_LIMITS", "Limits", "Refused", "parse_bytes"]

_UNITS: Final = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class Refused(IngestError):  # noqa: N818 - a refusal, as NotFound
    """A whole input file is refused (a limit, an unreadable or unsafe file)."""


def parse_bytes(text: str, *, setting: str) -> int:
    """``"4G"``, ``"512M"``, ``"1048576"`` -> bytes (binary units, case-insensitive).

    Raises
    ------
    IngestError
        When the text is not a positive size.
    """
    value = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = value[-1:] if value[-1:] in _UNITS else ""
    number = value[: len(value) - len(unit)].strip()
    try:
        size = int(float(number) * _UNITS[unit])
    except ValueError:
        size = 0
    if size <= 0:
        msg = f"setting {setting}: {text!r} is not a size (e.g. 4G, 512M, 1048576)"
        raise IngestError(msg)
    return size


@dataclass(frozen=True)
class Limits:
    """What one load accepts (settings ``ingest_max_*``; see ``docs/settings.md``).

    Attributes
    ----------
    file_bytes
        Uncompressed bytes of one input file (a plain file or a zip member).
    archive_bytes
        Uncompressed bytes of all the members of one zip (nested zips included).
    ratio
        Uncompressed / compressed size of a zip member of at least
        :attr:`ratio_min_bytes` (text compresses about 10:1; a zip bomb 1000:1).
    line_bytes
        Bytes of one line (a longer line refuses the file; quoted fields up to
        this size are read).
    ratio_min_bytes
        Members smaller than this are not ratio-checked (tiny files compress oddly).
    """

    file_bytes: int = 8 << 30
    archive_bytes: int = 32 << 30
    ratio: float = 200.0
    line_bytes: int = 1 << 20
    ratio_min_bytes: int = 1 << 20

    @classmethod
    def from_settings(
        cls, *, file_bytes: str, archive_bytes: str, ratio: str, line_bytes: str
    ) -> Limits:
        """Limits from the text of the settings (sizes as ``4G``, ``1M``...)."""
        try:
            max_ratio = float(ratio)
        except ValueError:
            max_ratio = 0.0
        if max_ratio <= 1:
            msg = f"setting ingest_max_ratio: {ratio!r} is not a ratio above 1"
            raise IngestError(msg)
        return cls(
            file_bytes=parse_bytes(file_bytes, setting="ingest_max_file_bytes"),
            archive_bytes=parse_bytes(
                archive_bytes, setting="ingest_max_archive_bytes"
            ),
            ratio=max_ratio,
            line_bytes=parse_bytes(line_bytes, setting="ingest_max_line_bytes"),
        )

    def file_too_big(self, size: int, name: str) -> Refused | None:
        """The refusal of a file of ``size`` uncompressed bytes, or None."""
        if size > self.file_bytes:
            return Refused(
                f"{name}: {size:,} bytes, over the limit of {self.file_bytes:,} bytes "
                "per file (setting ingest_max_file_bytes)"
            )
        return None

    def line_too_long(self, length: int, line: int) -> Refused | None:
        """The refusal of a file whose line ``line`` is ``length`` bytes, or None."""
        if length > self.line_bytes:
            return Refused(
                f"line {line} is {length:,} bytes long, over the limit of "
                f"{self.line_bytes:,} bytes per line (setting ingest_max_line_bytes)"
            )
        return None


#: the limits when none are given (the settings' defaults)
DEFAULT_LIMITS: Final = Limits()
