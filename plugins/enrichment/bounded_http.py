"""One HTTP POST with a total deadline and a cap on the answer's size.

``requests``' timeout bounds each socket read, not the request: a server that
sends one byte every half second is never timed out, and nothing stops a
gigabyte answer. Here the connection and every read share one deadline, enforced
by shutting the socket down when it passes (a blocked read then returns at
once), and the body is read in pieces that stop at ``max_bytes``.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class AnswerTooLarge(Exception):
    """The answer is larger than the cap."""


class DeadlinePassed(Exception):
    """No complete answer before the deadline."""


class _Sockets:
    """The sockets the current request opened, so the watchdog can shut them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open: list[Any] = []
        self.expired = False

    def add(self, sock: Any) -> None:
        with self.lock:
            self.open.append(sock)
            if self.expired:  # connected after the deadline passed
                _shut(sock)

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.open:
                _shut(sock)


def _shut(sock: Any) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _tracked_classes(registry: _Sockets) -> dict[str, type]:
    def tracking(base: type) -> type:
        class Tracked(base):  # type: ignore[misc, valid-type]
            def connect(self) -> None:
                super().connect()
                registry.add(self.sock)

        return Tracked

    class Pool(HTTPConnectionPool):
        ConnectionCls = tracking(HTTPConnection)

    class SecurePool(HTTPSConnectionPool):
        ConnectionCls = tracking(HTTPSConnection)

    return {"http": Pool, "https": SecurePool}


class _Adapter(HTTPAdapter):
    def __init__(self, registry: _Sockets) -> None:
        self.registry = registry
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _tracked_classes(self.registry)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = _tracked_classes(self.registry)
        return manager


def post(url: str, data: dict[str, Any], deadline_s: float, max_bytes: int) -> tuple[int, dict[str, str], bytes]:
    """POST ``data`` and return (status, headers, body) within ``deadline_s``.

    Raises :class:`DeadlinePassed`, :class:`AnswerTooLarge`, or
    ``requests.ConnectionError`` when the server cannot be reached.
    """
    registry = _Sockets()
    session = requests.Session()
    session.mount("http://", _Adapter(registry))
    session.mount("https://", _Adapter(registry))
    # A watchdog thread, not a signal: the plugin may run outside the main thread.
    watchdog = threading.Timer(deadline_s, registry.expire)
    watchdog.daemon = True
    start = time.monotonic()
    watchdog.start()
    try:
        try:
            response = session.post(url, data=data, timeout=deadline_s, stream=True)
            declared = response.headers.get("Content-Length", "")
            if declared.strip().isdigit() and int(declared) > max_bytes:
                raise AnswerTooLarge(f"the answer announces {int(declared):,} bytes, more than {max_bytes:,}")
            pieces: list[bytes] = []
            size = 0
            while True:
                piece = response.raw.read1(1 << 16)
                if not piece:
                    break
                size += len(piece)
                if size > max_bytes:
                    raise AnswerTooLarge(f"the answer is larger than {max_bytes:,} bytes")
                pieces.append(piece)
                if time.monotonic() - start > deadline_s:
                    raise DeadlinePassed
            response.close()
        except (requests.RequestException, OSError, ValueError) as exc:
            if registry.expired or time.monotonic() - start > deadline_s:
                raise DeadlinePassed from None
            if isinstance(exc, requests.Timeout):
                raise DeadlinePassed from None
            if isinstance(exc, requests.ConnectionError):
                raise
            raise requests.ConnectionError(str(exc)) from None
        if registry.expired:  # the watchdog cut the body short: not a complete answer
            raise DeadlinePassed
        return response.status_code, dict(response.headers), b"".join(pieces)
    finally:
        watchdog.cancel()
        session.close()
