"""Work mapped over items in child processes that may crash.

A reader written in C (htslib through cyvcf2, image decoders) can kill the process
it runs in: a segmentation fault, the kernel's out-of-memory killer, a loop that
never ends. Each item here runs in a child process that the parent watches: a child
that dies costs the item it held, which is tried once more alone in a fresh child
and, if that child dies too, reported through ``failed``; an item that runs past the
time limit is reported the same way. Every other item is parsed as usual.

Children are plain ``python`` processes (``subprocess``), not ``multiprocessing``
ones: a Dask worker is a daemonic process, which ``multiprocessing`` forbids to have
children. Each child imports the modules it is told to before it is handed work, and
must say it is ready within :data:`START_LIMIT_S`.
"""

from __future__ import annotations

import collections
import contextlib
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from .memory import is_memory_failure, one_blas_thread

T = TypeVar("T")
R = TypeVar("R")

# A child's imports (pandas, pyarrow, the plugins) take 1-2 s on a quiet machine; one
# that has not finished them by then is stuck (OpenBLAS under a low address-space
# limit can spin at import) or starved, and the run ends with a message.
START_LIMIT_S = 30.0
# One file's parse, by default: a 400 MB MAF takes about 10 s, so this only catches
# a reader that will never finish. RINEC_PARSE_TIMEOUT (seconds) sets it.
TASK_LIMIT_S = 600.0
TASK_LIMIT_ENV = "RINEC_PARSE_TIMEOUT"

# How children start: forked by multiprocessing's fork server (it imports the
# libraries once for every child), or as new ``python`` processes, which a daemonic
# process (a Dask worker) can start where multiprocessing refuses to.
FORK_SERVER, SUBPROCESS = "fork server", "subprocess"

class WorkerStartError(RuntimeError):
    """A child could not start (it died, failed to import, or was not ready in time)."""

    def __init__(self, message: str, memory: bool = False) -> None:
        super().__init__(message)
        self.memory = memory


def task_limit(environ: dict[str, str] | None = None) -> float:
    """The per-item time limit: :data:`TASK_LIMIT_S`, or RINEC_PARSE_TIMEOUT seconds."""
    text = (os.environ if environ is None else environ).get(TASK_LIMIT_ENV, "").strip()
    if not text:
        return TASK_LIMIT_S
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{TASK_LIMIT_ENV} must be a number of seconds, not {text!r}") from None
    if not value > 0:
        raise ValueError(f"{TASK_LIMIT_ENV} must be more than 0 seconds, not {text!r}")
    return value


def death(returncode: int | None) -> str:
    """What a child's end says about the file it was reading."""
    if returncode is not None and returncode < 0:
        number = -returncode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "an unknown signal"
        if number == signal.SIGKILL:
            return f"the reader was killed (signal {number}, {name}; out of memory?) on this file"
        return f"the reader crashed (signal {number}, {name}) on this file"
    return f"the reader ended (exit status {returncode}) while reading this file"


@dataclass
class _Job:
    index: int
    item: Any
    retried: bool = False


@dataclass
class _Child:
    process: Any  # subprocess.Popen, or _Forked
    send: Connection
    receive: Connection
    started: float
    ready: bool = False
    jobs: list[_Job] = field(default_factory=list)
    answered: int = 0
    since: float = 0.0  # when the job under way began

    @property
    def current(self) -> _Job | None:
        return self.jobs[self.answered] if self.answered < len(self.jobs) else None


def child_environment() -> dict[str, str]:
    env = dict(os.environ)
    one_blas_thread(env)
    return env


class _Forked:
    """A fork server's child with the few methods of ``subprocess.Popen`` used here."""

    def __init__(self, process: Any) -> None:
        self.process = process

    @property
    def returncode(self) -> int | None:
        return self.process.exitcode

    def kill(self) -> None:
        self.process.kill()

    def wait(self, timeout: float | None = None) -> int | None:
        self.process.join(timeout)
        if self.process.exitcode is None:
            raise subprocess.TimeoutExpired("parse worker", timeout or 0)
        return self.process.exitcode


def _start(preload: Sequence[str], env: dict[str, str], launcher: str, start_limit: float = START_LIMIT_S) -> _Child:
    if launcher == FORK_SERVER:
        return _start_forked(preload, start_limit)
    child_reads, parent_writes = os.pipe()
    parent_reads, child_writes = os.pipe()
    command = f"from rinec_report.supervise import child_main; child_main({child_reads}, {child_writes})"
    try:
        process = subprocess.Popen([sys.executable, "-c", command], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, pass_fds=(child_reads, child_writes), env=env)
    except OSError as exc:
        for fd in (child_reads, parent_writes, parent_reads, child_writes):
            os.close(fd)
        raise WorkerStartError(f"cannot start a parse worker: {exc.strerror or exc}", is_memory_failure(exc)) from None
    os.close(child_reads)
    os.close(child_writes)
    child = _Child(process, Connection(parent_writes, readable=False), Connection(parent_reads, writable=False),
                   time.monotonic())
    with contextlib.suppress(OSError):  # it died at once: seen as the end of its pipe
        child.send.send(("start", list(sys.path), list(preload)))
    return child


def _fork_server_context(preload: Sequence[str]) -> Any:
    import multiprocessing

    from .forkserver_preload import __name__ as guarded

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([guarded])
    return context


@contextlib.contextmanager
def _server_preload(preload: Sequence[str]) -> Iterator[None]:
    """The fork server's list of imports, in the environment it is started with only."""
    from .forkserver_preload import PRELOAD_ENV

    saved = os.environ.get(PRELOAD_ENV)
    os.environ[PRELOAD_ENV] = ",".join([*preload, __name__])
    try:
        yield
    finally:
        if saved is None:
            del os.environ[PRELOAD_ENV]
        else:
            os.environ[PRELOAD_ENV] = saved


def _launch_fork_server(preload: Sequence[str]) -> None:
    """Start the fork server without waiting for it: its imports take a core while
    this process goes on (the first child's start waits for them). A server that
    cannot be launched is left to the first start, which says why."""
    from multiprocessing import forkserver

    _fork_server_context(preload)
    with contextlib.suppress(OSError, ValueError), _main_not_inherited(), _server_preload(preload):
        forkserver.ensure_running()


def _import_beside(names: Sequence[str]) -> None:
    """This process's own imports, made while its children start: one that fails is
    left to the code that needs it, which raises where it can be handled."""
    import importlib

    for name in names:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def _start_forked(preload: Sequence[str], start_limit: float) -> _Child:
    """A child forked by multiprocessing's fork server, which imports ``preload`` once
    for every child (a restart after a crash costs a fork, not the imports)."""
    context = _fork_server_context(preload)
    child_reads, parent_writes = context.Pipe(duplex=False)
    parent_reads, child_writes = context.Pipe(duplex=False)
    process = context.Process(target=child_main, args=(child_reads, child_writes), daemon=True)
    # A fork server stuck in its imports (OpenBLAS short of address space waits for
    # ever) would hold start() for ever: past the limit it is killed, and start() fails.
    watchdog = threading.Timer(start_limit, _kill_the_fork_server)
    watchdog.start()
    try:
        with _main_not_inherited(), _server_preload(preload):
            process.start()
    except (OSError, EOFError, ValueError) as exc:
        for conn in (child_reads, parent_writes, parent_reads, child_writes):
            conn.close()
        if not watchdog.is_alive():  # it fired: the server was stuck
            raise WorkerStartError(f"a parse worker did not start within {start_limit:g} s") from None
        raise WorkerStartError(f"a parse worker could not start: {exc}", is_memory_failure(exc)) from None
    finally:
        watchdog.cancel()
    child_reads.close()
    child_writes.close()
    child = _Child(_Forked(process), parent_writes, parent_reads, time.monotonic())
    with contextlib.suppress(OSError):
        child.send.send(("start", list(sys.path), list(preload)))
    return child


def _kill_the_fork_server() -> None:
    from multiprocessing import forkserver

    pid = getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)
    if pid:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def _main_not_inherited() -> Iterator[None]:
    """Start a child without re-running the caller's script.

    multiprocessing re-imports ``__main__`` in every forkserver or spawn child, so a
    script that calls ``rinec_report.run()`` without an ``if __name__ == "__main__":``
    guard would run again in each child. Children here only run module-level
    functions of importable modules, never code from ``__main__``, so the script's
    path and spec are kept from them while a child starts."""
    main = sys.modules.get("__main__")
    saved = {name: main.__dict__[name] for name in ("__file__", "__spec__") if main and name in main.__dict__}
    for name in saved:
        if name == "__spec__":
            main.__spec__ = None
        else:
            del main.__dict__[name]
    try:
        yield
    finally:
        if main is not None:
            main.__dict__.update(saved)


def _stop(child: _Child, kill: bool = False) -> None:
    with contextlib.suppress(OSError):
        if not kill:
            child.send.send(None)
    for conn in (child.send, child.receive):
        with contextlib.suppress(OSError):
            conn.close()
    if kill:
        with contextlib.suppress(OSError):
            child.process.kill()
    try:
        child.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        child.process.kill()
        child.process.wait()


def run_supervised(
    fn: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    chunksize: int = 1,
    preload: Sequence[str] = (),
    failed: Callable[[T, str], R] | None = None,
    limit: float = TASK_LIMIT_S,
    start_limit: float = START_LIMIT_S,
    launcher: str | None = None,
    beside: Sequence[str] = (),
    later: Sequence[str] = (),
) -> Iterator[R]:
    """``fn(item)`` for every item, in order, each in a watched child process.

    The children start at once (before the first result is asked for), so the caller
    can do other work while they import. ``fn`` must be a module-level function of an
    importable module, items and results picklable. An item whose child died twice,
    or that ran past ``limit`` seconds, gives ``failed(item, why)`` (``why``: one
    line); without ``failed`` it raises :class:`RuntimeError`. A child that cannot
    start raises :class:`WorkerStartError`; an exception ``fn`` raised is raised here.
    ``beside``: modules this process imports while the fork server imports ``preload``
    (both take about as long: the same libraries), so that the two overlap; ``later``:
    modules it imports once the children have work, in the time it would wait."""
    if not items:
        return iter(())
    if launcher is None:
        import multiprocessing

        launcher = SUBPROCESS if multiprocessing.current_process().daemon else FORK_SERVER
    pool = _Pool(fn, items, chunksize, preload, failed, limit, start_limit, launcher)
    pool.later = list(later)
    if launcher == FORK_SERVER:
        _launch_fork_server(preload)
    _import_beside(beside)
    try:
        for _ in range(min(workers, len(pool.queue))):
            pool.children.append(_start(preload, pool.env, launcher, start_limit))
    except BaseException:
        pool.close()
        raise
    return pool.results()


class _Pool:
    def __init__(self, fn: Callable[[Any], Any], items: Sequence[Any], chunksize: int, preload: Sequence[str],
                 failed: Callable[[Any, str], Any] | None, limit: float, start_limit: float,
                 launcher: str) -> None:
        n = len(items)
        self.launcher = launcher
        self.fn, self.n, self.preload, self.failed = fn, n, preload, failed
        self.limit, self.start_limit = limit, start_limit
        self.queue: collections.deque[list[_Job]] = collections.deque(
            [_Job(i, items[i]) for i in range(s, min(n, s + chunksize))] for s in range(0, n, chunksize))
        self.done: dict[int, Any] = {}
        self.env = child_environment()
        self.children: list[_Child] = []
        self.later: list[str] = []  # imported here once the children have work

    def __del__(self) -> None:  # results never asked for: the children are not left behind
        self.close()

    def close(self) -> None:
        children, self.children = self.children, []
        for child in children:
            _stop(child, kill=child.current is not None or not child.ready)

    def fail(self, job: _Job, why: str) -> None:
        if self.failed is None:
            raise RuntimeError(why)
        self.done[job.index] = self.failed(job.item, why)

    def _replace(self) -> None:
        if self.queue or any(c.current for c in self.children):
            self.children.append(_start(self.preload, self.env, self.launcher, self.start_limit))

    def results(self) -> Iterator[Any]:
        next_out = 0
        try:
            while next_out < self.n:
                while next_out in self.done:
                    yield self.done.pop(next_out)
                    next_out += 1
                if next_out < self.n:
                    self._step()
        finally:
            self.close()

    def _step(self) -> None:
        now = time.monotonic()
        for child in self.children:
            if child.ready and child.current is None and self.queue:
                child.jobs, child.answered, child.since = self.queue.popleft(), 0, now
                with contextlib.suppress(OSError):  # it died: its pipe's end says so below
                    child.send.send((self.fn, [(j.index, j.item) for j in child.jobs]))
        if not self.children:  # every child died with work left: start another
            self.children.append(_start(self.preload, self.env, self.launcher, self.start_limit))
        if self.later and any(c.current is not None for c in self.children):
            later, self.later = self.later, []
            _import_beside(later)
        ready = wait([c.receive for c in self.children], timeout=1.0)
        now = time.monotonic()
        for child in list(self.children):
            if child.receive in ready:
                try:
                    message = child.receive.recv()
                except (EOFError, OSError):
                    message = None
                if message is not None:
                    _handle(child, message, self.done, now)
                    continue
                _stop(child, kill=True)
                self.children.remove(child)
                _after_death(child, self.queue, self.fail)
                self._replace()
            elif not child.ready and now - child.started > self.start_limit:
                raise WorkerStartError(f"a parse worker did not start within {self.start_limit:g} s")
            elif child.current is not None and now - child.since > self.limit:
                job = child.current
                _stop(child, kill=True)
                self.children.remove(child)
                rest = child.jobs[child.answered + 1:]
                if rest:
                    self.queue.appendleft(rest)
                self.fail(job, f"reading took longer than {self.limit:g} s (the limit; {TASK_LIMIT_ENV} sets it)")
                self._replace()


def _handle(child: _Child, message: tuple, done: dict[int, Any], now: float) -> None:
    kind = message[0]
    if kind == "ready":
        child.ready = True
        return
    if kind == "unstarted":  # the child's imports failed: it exits after saying why
        _stop(child, kill=True)
        raise WorkerStartError(message[1], memory=message[2])
    if kind == "raised":
        raise message[2]
    done[message[1]] = message[2]
    child.answered += 1
    child.since = now


def _after_death(child: _Child, queue: collections.deque[list[_Job]], fail: Callable[[_Job, str], None]) -> None:
    if not child.ready:
        raise WorkerStartError(
            f"a parse worker died while starting ({death(child.process.returncode).split(' on this file')[0]})",
            memory=child.process.returncode == -signal.SIGKILL)
    job = child.current
    if job is None:
        return
    rest = child.jobs[child.answered + 1:]
    if rest:
        queue.appendleft(rest)
    if job.retried:
        fail(job, death(child.process.returncode))
    else:
        # Alone in a fresh child: a second death is the file's doing, not a neighbour's
        # or the kernel's choice of a victim.
        queue.appendleft([_Job(job.index, job.item, retried=True)])


def child_main(read: int | Connection, write: int | Connection) -> None:
    """A child's life: import what it is told, say so, then run the work it gets
    (``read`` and ``write``: its ends of the two pipes, as descriptors or connections)."""
    receive = read if isinstance(read, Connection) else Connection(read, writable=False)
    send = write if isinstance(write, Connection) else Connection(write, readable=False)
    try:
        _, path, preload = receive.recv()
        sys.path[:] = path
        import importlib

        for name in preload:
            importlib.import_module(name)
        from . import collector

        collector.for_a_worker()
    except BaseException as exc:  # said to the parent, which decides
        with contextlib.suppress(Exception):
            send.send(("unstarted", _start_failure(exc), is_memory_failure(exc)))
        os._exit(1)
    send.send(("ready",))
    while True:
        try:
            message = receive.recv()
        except (EOFError, OSError):  # the parent is gone
            os._exit(0)
        if message is None:
            os._exit(0)
        fn, jobs = message
        for index, item in jobs:
            try:
                reply: tuple = ("done", index, fn(item))
            except BaseException as exc:  # raised again in the parent
                reply = ("raised", index, _picklable(exc))
            try:
                send.send(reply)
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                send.send(("raised", index, RuntimeError(f"a result that cannot be sent back: {exc}")))


def _start_failure(exc: BaseException) -> str:
    if is_memory_failure(exc):
        return "a parse worker ran out of memory while importing its libraries"
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"a parse worker could not start: {type(exc).__name__}: {detail}"[:300]


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.dumps(exc)
    except Exception:  # any exception's text survives
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
