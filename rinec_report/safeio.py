"""Opening input files without trusting what the path points to.

A shared run directory can hold a FIFO (opening it blocks forever), a link to
``/dev/zero`` (reading never ends) or to a file outside the run directory, and any
of them can be swapped in after the scan looked. Every read the core and the
built-in plugins do goes through :func:`open_regular`: the path is walked one
component at a time from the root with ``O_NOFOLLOW`` (no link is followed
anywhere in it), the file is opened without blocking, and it is checked on the
opened descriptor (never by name before the open, which could change in between).

The scanner hands plugins the real path of every file it found (links inside the
run directory resolved once, at the scan), so a checked open of that path succeeds
unless something was changed since. Paths the user gave (``-c``, a key file) are
trusted and opened with ``follow_links=True``.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, BinaryIO


class NotRegularFile(OSError):
    """The path is not a regular file (a FIFO, a device, a socket, a folder)."""


class LinkRefused(OSError):
    """A component of the path is a link (or was swapped for one): not followed."""


def kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a link"
    return "not a regular file"


_READ = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_WALK = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


def _refusal(parent: int | None, name: str, exc: OSError, path: str) -> OSError:
    """The error for a component that could not be opened: a link is named as such."""
    try:
        mode = os.lstat(name, dir_fd=parent).st_mode if parent is not None else os.lstat(name).st_mode
    except OSError:
        return exc
    if stat.S_ISLNK(mode):
        return LinkRefused(errno.ELOOP, "a link, not followed (links are resolved only when the run directory "
                                        "is scanned)", path)
    return exc


def open_fd(path: str | os.PathLike[str], *, follow_links: bool = False) -> int:
    """A read-only descriptor of ``path``, only if it is a regular file reached without
    following any link (unless ``follow_links``). The caller closes it."""
    text = os.fspath(path)
    if follow_links or not hasattr(os, "O_NOFOLLOW") or os.open not in os.supports_dir_fd:
        fd = os.open(text, _READ)
    else:
        fd = _walk_open(os.path.abspath(text))
    return checked_regular(fd)


def checked_regular(fd: int) -> int:
    """``fd`` if it names a regular file, made blocking again (it was opened without
    blocking, so that a FIFO cannot hang the open); else closed, and NotRegularFile."""
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"{kind_of(mode)}, not a regular file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _walk_open(absolute: str) -> int:
    head, *parts = absolute.split(os.sep)
    if not parts or not parts[-1]:
        raise IsADirectoryError(errno.EISDIR, "a folder, not a regular file", absolute)
    current = os.open(head or os.sep, _WALK)
    try:
        for part in parts[:-1]:
            if not part:
                continue
            try:
                nxt = os.open(part, _WALK | os.O_NOFOLLOW, dir_fd=current)
            except OSError as exc:
                raise _refusal(current, part, exc, absolute) from None
            os.close(current)
            current = nxt
        try:
            return os.open(parts[-1], _READ | os.O_NOFOLLOW, dir_fd=current)
        except OSError as exc:
            raise _refusal(current, parts[-1], exc, absolute) from None
    finally:
        os.close(current)


def open_regular(path: str | os.PathLike[str], *, follow_links: bool = False) -> BinaryIO:
    """Open ``path`` for reading in binary, only if it is a regular file reached
    without following a link (see :func:`open_fd`)."""
    return os.fdopen(open_fd(path, follow_links=follow_links), "rb")


@contextlib.contextmanager
def checked_path(path: str | os.PathLike[str]) -> Iterator[str]:
    """A path for a library that opens files by name itself (htslib, OpenSlide):
    the file is opened and checked as :func:`open_regular` does, and the library is
    given ``/proc/self/fd/N``, which names that open file and nothing else, so a
    link swapped in after the check cannot redirect the library."""
    fd = open_fd(path)
    try:
        proc = f"/proc/self/fd/{fd}"
        yield proc if os.path.exists(proc) else os.fspath(path)
    finally:
        os.close(fd)


def display_name(text: str) -> str:
    """A path as text that can always be written as UTF-8: bytes that were not
    UTF-8 in the file system (kept as surrogates by Python) become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# ------------------------------------------------------------------ bounded reads

GZIP_MAGIC = b"\x1f\x8b"
# What a read may hold when no limit was set for the file being parsed (the default
# max_table_size_mb): a reader used on its own, in a notebook, is bounded too.
DEFAULT_LIMIT = 1024 * 10**6


class TooLarge(OSError):
    """The content is larger than its limit once decompressed (a one-line message)."""


@dataclass(frozen=True)
class ReadLimit:
    """The bytes the content of the file being parsed may hold, and the config key that raises it."""

    bytes: int | None = DEFAULT_LIMIT
    key: str = "max_table_size_mb"

    def refusal(self, what: str = "its content") -> TooLarge:
        mb = (self.bytes or 0) / 1e6
        return TooLarge(errno.EFBIG, f"{what} is larger than {mb:,.0f} MB once decompressed, over the size limit "
                                     f"(raise it in the config: {self.key})")


# Set by the core around each file's parse (one per task, in whichever worker runs
# it), so that every reader a plugin calls is bounded by that file's limit without
# threading the number through each plugin's functions.
_LIMIT: ContextVar[ReadLimit | None] = ContextVar("rinec_read_limit", default=None)
_UNSET = ReadLimit()


def current_limit() -> ReadLimit:
    """The limit in force for the file being parsed."""
    return _LIMIT.get() or _UNSET


@contextlib.contextmanager
def limited_to(limit: int | None, key: str = "max_table_size_mb") -> Iterator[None]:
    """Bound every read done inside the block by ``limit`` decompressed bytes."""
    token = _LIMIT.set(ReadLimit(limit, key))
    try:
        yield
    finally:
        _LIMIT.reset(token)


class _Capped(io.RawIOBase):
    """A stream that raises :class:`TooLarge` instead of yielding more than ``limit`` bytes."""

    def __init__(self, inner: BinaryIO, limit: ReadLimit) -> None:
        self.inner, self.limit, self.seen = inner, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        self.seen += len(data)
        if self.limit.bytes is not None and self.seen > self.limit.bytes:
            raise self.limit.refusal()
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


def open_content(path: str | os.PathLike[str], limit: ReadLimit | None = None) -> BinaryIO:
    """The file's content as a stream, decompressed when it is gzip or BGZF (by its
    bytes, not its name), opened as :func:`open_regular` does, and refusing to
    yield more than the limit (default: the one in force) however the bytes are
    compressed."""
    import gzip

    limit = limit or current_limit()
    raw = open_regular(path)
    try:
        start = raw.read(2)
        raw.seek(0)
        stream: BinaryIO = gzip.GzipFile(fileobj=raw) if start == GZIP_MAGIC else raw  # type: ignore[assignment]
        return io.BufferedReader(_Capped(stream, limit), buffer_size=1 << 16)  # type: ignore[return-value]
    except BaseException:
        raw.close()
        raise


def read_content(path: str | os.PathLike[str], limit: ReadLimit | None = None) -> bytes:
    """The whole content of the file (see :func:`open_content`), refused past the limit.

    Compressed content is first decompressed without being kept, to learn its size:
    a 1.6 MB gzip bomb is refused after counting up to the limit, not after holding
    that much in memory (a legitimate table's second decompression costs little)."""
    limit = limit or current_limit()
    with open_regular(path) as fh:
        compressed = fh.read(2) == GZIP_MAGIC
    if compressed and limit.bytes is not None:
        with open_content(path, limit) as stream:
            while stream.read(1 << 20):
                pass
    with open_content(path, limit) as stream:
        return stream.read()


def read_head(path: str | os.PathLike[str], budget: int) -> bytes:
    """At most ``budget`` bytes of the file's decompressed content, however long its lines."""
    with open_content(path, ReadLimit(None)) as stream:
        return stream.read(budget)


def read_small(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a small file that travels with an input (a sidecar, an annotation
    file), opened as :func:`open_regular` does and refused, unread, past ``limit``."""
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limit:
            raise TooLarge(errno.EFBIG, f"{size:,} bytes, over the limit of {limit:,} for this kind of file")
        data = fh.read(limit + 1)
    if len(data) > limit:  # it grew after the check
        raise TooLarge(errno.EFBIG, f"more than {limit:,} bytes, over the limit for this kind of file")
    return data
