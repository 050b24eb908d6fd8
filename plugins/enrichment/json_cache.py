"""The STRING answer cache: one JSON file of data, never code.

The cache lives in the run directory, which is shared and so untrusted: it is
read with ``json`` only (no pickle, no SQLite of pickled responses), refused
whole when larger than its bound, and every entry is checked before use (an
entry that is not of the expected shape is dropped, never interpreted).
Writes replace the file atomically; the oldest entries go first when the cache
would outgrow its bound.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT = "rinec-report STRING cache"
FORMAT_VERSION = 1
KEY_RE = re.compile(r"^[0-9a-f]{32}$")
METHOD_RE = re.compile(r"^[a-z_]{1,40}$")
DEFAULT_MAX_BYTES = 64 * 2**20


@dataclass
class Entry:
    method: str
    created: datetime
    body: list[dict[str, Any]]


def _valid_body(body: Any) -> bool:
    return isinstance(body, list) and all(isinstance(r, dict) for r in body)


def _entry(raw: Any) -> Entry | None:
    """An entry from its JSON form, or None when it is not one."""
    if not isinstance(raw, dict):
        return None
    method, created, body = raw.get("method"), raw.get("created"), raw.get("body")
    if not isinstance(method, str) or not METHOD_RE.match(method) or not _valid_body(body):
        return None
    if not isinstance(created, str) or len(created) > 40:
        return None
    try:
        when = datetime.fromisoformat(created)
    except ValueError:
        return None
    return Entry(method, when if when.tzinfo else when.replace(tzinfo=UTC), body)


class JsonCache:
    """A mapping of request keys to STRING answers, kept in one JSON file."""

    def __init__(self, path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES):
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.entries: dict[str, Entry] = {}
        self.problem: str | None = None  # why the file on disk was not used
        self._load()

    def _load(self) -> None:
        from rinec_report.safeio import LinkRefused, NotRegularFile, open_regular

        try:
            # The checked open: a FIFO or a device in the run directory's cache folder
            # must not hang or feed the run, nor a link there read a file from elsewhere.
            with open_regular(self.path) as fh:
                data = fh.read(self.max_bytes + 1)
        except FileNotFoundError:
            return
        except NotRegularFile:
            self.problem = "the cache is not a regular file; not used"
            return
        except LinkRefused:
            self.problem = "the cache (or its folder) is a link; not used"
            return
        except OSError as exc:
            self.problem = f"cannot read the cache ({exc.strerror or exc}); not used"
            return
        if len(data) > self.max_bytes:
            self.problem = f"the cache is larger than {self.max_bytes:,} bytes; not used"
            return
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            self.problem = "the cache is not valid JSON; not used"
            return
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != FORMAT_VERSION:
            self.problem = "the cache is not a rinec-report STRING cache; not used"
            return
        raw_entries = doc.get("entries")
        if not isinstance(raw_entries, dict):
            self.problem = "the cache has no entries table; not used"
            return
        dropped = 0
        for key, raw in raw_entries.items():
            entry = _entry(raw) if isinstance(key, str) and KEY_RE.match(key) else None
            if entry is None:
                dropped += 1
            else:
                self.entries[key] = entry
        if dropped:
            self.problem = f"{dropped} malformed cache entr{'y' if dropped == 1 else 'ies'} ignored"

    def get(self, key: str) -> Entry | None:
        return self.entries.get(key)

    def put(self, key: str, method: str, body: list[dict[str, Any]], created: datetime) -> None:
        self.entries[key] = Entry(method, created, body)

    def delete(self, key: str) -> None:
        self.entries.pop(key, None)

    def _document(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "entries": {
                key: {"method": e.method, "created": e.created.isoformat(), "body": e.body}
                for key, e in sorted(self.entries.items())
            },
        }

    def save(self) -> None:
        """Write the cache, dropping the oldest entries while it is over its bound."""
        text = json.dumps(self._document(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        while len(text) > self.max_bytes and self.entries:
            oldest = min(self.entries, key=lambda k: self.entries[k].created)
            del self.entries[oldest]
            text = json.dumps(self._document(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Written through the folder's own descriptor, opened without following a link:
        # a cache folder (or file) that a run directory made a link must not make the
        # program write elsewhere. The temporary is new (O_EXCL) and replaced atomically.
        folder = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            if stat.S_ISLNK(os.lstat(self.path.name, dir_fd=folder).st_mode):
                raise OSError(f"{self.path.name} is a link; the cache is not written")
        except FileNotFoundError:
            pass
        try:
            tmp = f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(text)
                os.replace(tmp, self.path.name, src_dir_fd=folder, dst_dir_fd=folder)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp, dir_fd=folder)
                raise
        finally:
            os.close(folder)
