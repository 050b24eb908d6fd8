"""Input failures as one-line messages, and what C libraries print, captured.

A broken input file makes readers raise all kinds of exceptions (a Latin-1 file a
``UnicodeDecodeError``, a garbage ``.xlsx`` a ``BadZipFile``, a ``.gz`` that is not
gzip a ``BadGzipFile``); these are findings about the input, reported as one line
naming the file, never as a traceback. htslib (through cyvcf2) prints a malformed
VCF's header lines, sample ids included, straight to file descriptor 2: that is
captured around each parse and summarised without its text.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import os
import re
import sys
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Iterator


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


# What pandas' readers raise on a broken file. pandas is not imported for this:
# an exception of pandas can only exist once pandas is loaded, so the tuple asks
# ``sys.modules`` when an exception is being matched (importing pandas here cost
# every run and every parse worker 0.3-0.5 s, whether a reader used pandas or not).
_PANDAS_ERRORS = ("EmptyDataError", "ParserError")

_BASE_FAILURES: tuple[type[BaseException], ...] = (
    OSError,
    csv.Error,
    UnicodeError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    MemoryError,
    RecursionError,
)


def input_failures() -> tuple[type[BaseException], ...]:
    """The exceptions that are findings about an input file (``except input_failures():``):
    the standard library's, and pandas' parser errors once pandas is loaded."""
    errors = sys.modules.get("pandas.errors")
    if errors is None:
        return _BASE_FAILURES
    return (*_BASE_FAILURES, *(getattr(errors, name) for name in _PANDAS_ERRORS if hasattr(errors, name)))


# Packages that read files: an exception they raise (rather than the plugin's own
# code) is their way of refusing a broken file.
READER_PACKAGES = (
    "openpyxl",
    "zipfile",
    "xml",
    "lxml",
    "et_xmlfile",
    "csv",
    "gzip",
    "zlib",
    "bz2",
    "lzma",
    "pandas/io",
    "pandas/_libs",
    "pyarrow",
    "cyvcf2",
    "json",
    "yaml",
    "encodings",
)


def raised_by_reader(exc: BaseException) -> bool:
    """Whether the innermost frame of ``exc``'s traceback is in a file-reading library."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    filename = tb.tb_frame.f_code.co_filename.replace("\\", "/")
    if "/site-packages/" not in filename and "/lib/python" not in filename and "<" not in filename:
        return False
    return any(f"/{pkg}/" in filename or filename.endswith(f"/{pkg}.py") for pkg in READER_PACKAGES)


def input_failure(exc: BaseException) -> str:
    """A one-line message for an exception raised while reading a broken input file."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
    if isinstance(exc, zipfile.BadZipFile | zipfile.LargeZipFile):
        return f"not a readable .xlsx (zip) file: {_first_line(str(exc)) or 'broken archive'}"
    if isinstance(exc, gzip.BadGzipFile | zlib.error):
        return f"not a readable gzip file: {_first_line(str(exc)) or 'broken data'}"
    if isinstance(exc, EOFError):
        return "truncated: the file ends in the middle of its compressed data"
    if isinstance(exc, MemoryError):
        return "too large to read in memory"
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    if isinstance(exc, csv.Error):
        return f"not a readable table: {_first_line(str(exc))[:200]}"
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or _first_line(str(exc)) or type(exc).__name__}"
    detail = _first_line(str(exc))[:200]
    return f"cannot be read: {detail}" if detail else f"cannot be read ({type(exc).__name__})"


# htslib's messages look like "[W::vcf_parse] ..." or "[E::bcf_hdr_parse_line] ...".
HTSLIB_LINE = re.compile(r"^\[([EWID])::([A-Za-z0-9_]+)\]")
MAX_CAPTURED = 1 << 20


@contextlib.contextmanager
def captured_stderr() -> Iterator[list[str]]:
    """Capture what is written to file descriptor 2 while reading a file.

    htslib prints a malformed VCF's header lines, sample ids included, there,
    over several lines per message; nothing of it is shown unless -v (the caller
    logs the returned lines at debug level and warns with :func:`summarise_stderr`).
    """
    lines: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        # File descriptor 2 belongs to the whole process: threads parsing at once
        # would capture each other's output. Not captured there; parse children (local
        # or on a Dask worker) run every parse in their main thread, so it is there.
        yield lines
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable stderr: nothing to capture
        yield lines
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            data = sink.read(MAX_CAPTURED)
            lines.extend(data.decode("utf-8", "replace").splitlines())


def summarise_stderr(lines: list[str]) -> str | None:
    """One warning for what was printed, naming htslib's message kinds, not their text
    (which can hold sample ids)."""
    if not any(line.strip() for line in lines):
        return None
    counts: dict[str, int] = {}
    for line in lines:
        m = HTSLIB_LINE.match(line)
        if m:
            tag = f"[{m.group(1)}::{m.group(2)}]"
            counts[tag] = counts.get(tag, 0) + 1
    if not counts:
        return f"a library printed {len(lines)} line(s) while reading it; -v shows them"
    messages = sum(counts.values())
    kinds = ", ".join(f"{tag} x{n}" for tag, n in sorted(counts.items()))
    return f"htslib printed {messages} message(s) while reading it ({kinds}); -v shows them"

