"""Out of memory, said in one line.

A run under an address-space limit (``ulimit -v``, a batch system's memory cap) or
on a machine short of memory fails in many ways: a ``MemoryError``, a library whose
shared object cannot be mapped (an ``ImportError``), an ``mmap`` refused, a worker
process that cannot start. The command ends each with one line saying how much
memory there was (:func:`out_of_memory_line`). Nothing here imports a heavy library:
it runs when memory is short.
"""

from __future__ import annotations

import contextlib
import errno
import os
from typing import Any

# Threads that BLAS and OpenMP start at import: a parse needs none, and each thread's
# buffers count against an address-space limit (OpenBLAS waits for ever at import when
# it cannot give a thread its buffers).
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def is_memory_failure(exc: BaseException, limited: bool | None = None) -> bool:
    """Whether ``exc`` says the process ran out of memory (or of address space).

    ``limited`` says whether the process runs under an address-space limit (read from
    the process when None): there, a C extension whose allocation failed may return
    without setting an exception, which Python reports as a ``SystemError`` ("error
    return without exception set"), seen at pandas' import under ``ulimit -v``."""
    if isinstance(exc, MemoryError):
        return True
    if isinstance(exc, SystemError):
        return under_a_limit() if limited is None else limited
    if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:
        return True
    text = str(exc).lower()
    if isinstance(exc, RuntimeError) and "can't start new thread" in text:  # no room for its stack
        return True
    return isinstance(exc, ImportError | OSError) and (
        "failed to map segment" in text or "cannot allocate memory" in text or "out of memory" in text)


def available_mb() -> int:
    """Memory this process may take, in MB: its address-space limit (``ulimit -v``)
    when it has one, else what the kernel has available."""
    import resource

    with contextlib.suppress(OSError, ValueError):
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            return soft // 2**20
    with contextlib.suppress(OSError, ValueError), open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return 0


def out_of_memory_line(what: str) -> str:
    """The one line a run that ran out of memory ends with."""
    return f"not enough memory for {what}; {available_mb():,} MB available, try -j 1"


def under_a_limit() -> bool:
    """Whether this process has an address-space limit."""
    import resource

    return resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY


def one_blas_thread(environ: Any = os.environ) -> None:
    """One BLAS/OpenMP thread unless the user chose otherwise (before numpy is imported)."""
    for name in THREAD_VARIABLES:
        environ.setdefault(name, "1")
