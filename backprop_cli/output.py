"""Writing the command's result to `-o PATH`: a regular file is replaced atomically (a
temporary file in the same folder, renamed into place), so a failed write leaves the old
one as it was; anything else is never replaced. A device, a FIFO, or a link to one
(/dev/null, /dev/stdout) is written in place, as a shell's `>` would; a folder is an error.

Running as root in a container, renaming over /dev/null would turn the device into a
regular file for every later process: hence the rule, not a list of special paths.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .errors import SpecError


def check_target(path: str) -> None:
    """Refuse, before any work, an output that can never be written: a folder, a name
    ending in '/', a missing folder."""
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        what = "it is a folder" if os.path.isdir(path) else "a name ending in / is a folder"
        raise SpecError(f"cannot write {path}: {what}; give a file name, like "
                        f"{os.path.join(path, 'solution.txt')}")
    folder = Path(path).parent if str(Path(path).parent) else Path(".")
    if not folder.is_dir():
        raise SpecError(f"cannot write {path}: the folder {folder} does not exist")


def write(path: str, data: bytes) -> None:
    """Write `data` to `path` as the module says; every failure is one SpecError."""
    check_target(path)
    try:
        mode = os.stat(path).st_mode  # follows links: what the path really is
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise SpecError(f"cannot write {path}: {exc.strerror or exc}") from None
    if mode is not None and not stat.S_ISREG(mode):
        _write_in_place(path, data)
    else:
        _replace(Path(os.path.realpath(path)) if os.path.islink(path) else Path(path), path, data)


def _write_in_place(path: str, data: bytes) -> None:
    try:
        with open(path, "wb", buffering=0) as handle:
            view = memoryview(data)
            while view:
                view = view[handle.write(view):]
    except OSError as exc:
        raise SpecError(f"cannot write {path}: {exc.strerror or exc}") from None


def _replace(target: Path, shown: str, data: bytes) -> None:
    """A temporary file beside `target` (a link's target: the link itself stays), renamed
    into place."""
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise SpecError(f"cannot write {shown}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; a key is not
        os.replace(temporary, target)
    except OSError as exc:  # a full disk: nothing half-written
        Path(temporary).unlink(missing_ok=True)
        raise SpecError(f"cannot write {shown}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
