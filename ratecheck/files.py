"""Files ratecheck reads and folders it writes, with every OS and encoding error as one line.

* :func:`read_text` — an input file (spec, card, trace, delay list) as UTF-8 text; a
  missing file, a folder, an unreadable file or bytes that are not UTF-8 raise
  :class:`~ratecheck.errors.FileError` naming the file (and the byte offset).
* :func:`output_folder` — a folder to write into (``--out``), created if absent and
  checked *before* any work: not a file, not under a file, writable, space left.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from .errors import FileError, SpecError

#: An output folder with less free space than this is refused before the work starts.
MIN_FREE_BYTES = 16 * 2**20


def read_text(path: str | Path) -> str:
    """The UTF-8 text of ``path``; errors are :class:`~ratecheck.errors.FileError` naming it."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise FileError(path, None, "is a folder, not a file") from None
    except OSError as exc:
        raise FileError(path, None, f"cannot read it ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileError(path, None, f"not UTF-8 text: byte {raw[exc.start]:#04x} at byte offset {exc.start} "
                                    "(save the file as UTF-8)") from None


def output_folder(path: str | Path, option: str = "--out") -> Path:
    """Create ``path`` (and parents) if absent and check it can take the output."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise SpecError(option, f"{path} is a file, not a folder") from None
    except NotADirectoryError:
        raise SpecError(option, f"{path} lies under a file, not a folder") from None
    except OSError as exc:
        raise SpecError(option, f"cannot create {path} ({exc.strerror or exc})") from None
    try:
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        why = "it is read-only" if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else exc.strerror or exc
        raise SpecError(option, f"cannot write into {path} ({why})") from None
    try:
        disk = os.statvfs(path)
    except (OSError, AttributeError):  # no statvfs (Windows): not checked
        return path
    free = disk.f_bavail * disk.f_frsize
    if free < MIN_FREE_BYTES:
        raise SpecError(option, f"cannot write into {path} (only {free / 2**20:.1f} MiB free on its disk)")
    return path
