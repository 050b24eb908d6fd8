"""Opening input files without trusting what the path points to.

A shared run directory can hold a FIFO (opening it blocks forever), a link to
``/dev/zero`` (reading never ends) or to a file outside the run directory. Every
read the core does goes through :func:`open_regular`: a non-blocking open, then
a check on the opened descriptor (not the path, which could change in between).
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO


class NotRegularFile(OSError):
    """The path is not a regular file (a FIFO, a device, a socket, a folder)."""


def kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for reading in binary, only if it is a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"{kind_of(mode)}, not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def display_name(text: str) -> str:
    """A path as text that can always be written as UTF-8: bytes that were not
    UTF-8 in the file system (kept as surrogates by Python) become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
