"""What the parse workers' fork server imports before its first fork, guarded.

multiprocessing's fork server imports its preload list with nothing but
``ImportError`` caught: a library that fails otherwise (short of address space
under ``ulimit -v``, a C extension's ``MemoryError`` or ``SystemError``) ends the
server with a traceback on the run's stderr. The server imports this module
instead, which imports the list it is given (``RINEC_FORK_SERVER_PRELOAD``,
comma-separated, set for the server alone) and stops at the first failure; each
child imports the list again, and a child that cannot says why in one line
(:func:`rinec_report.supervise.child_main`).
"""

from __future__ import annotations

import importlib
import os

PRELOAD_ENV = "RINEC_FORK_SERVER_PRELOAD"

for _name in filter(None, os.environ.get(PRELOAD_ENV, "").split(",")):
    try:
        importlib.import_module(_name)
    except Exception:  # the children import it again and report the failure
        break
