"""One walk of the run directory, matching files to the plugins' patterns.

The walk uses ``os.scandir`` (one ``stat`` per entry at most, usually none on
Linux) and one combined filename regex, so that a tree of tens of thousands of
irrelevant files costs little; contents are read only for files whose name
already matched a pattern that asks for contents.
"""

from __future__ import annotations

import fnmatch
import gzip
import os
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .model import FoundFile, Pattern

GZIP_MAGIC = b"\x1f\x8b"
SNIFF_BYTES = 1 << 20  # never read more than this to sniff contents


@dataclass(frozen=True)
class PluginPattern:
    plugin: str
    pattern: Pattern

    @property
    def qualified(self) -> str:
        return f"{self.plugin}/{self.pattern.key}"


@dataclass
class ScanResult:
    found: list[FoundFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (relpath, reason)
    files_seen: int = 0
    dirs_seen: int = 0


def apply_overrides(patterns: list[PluginPattern], overrides: dict[str, dict]) -> tuple[list[PluginPattern], list[str]]:
    """Replace the fields of patterns named ``<plugin>/<key>`` in the config."""
    by_name = {p.qualified: p for p in patterns}
    warnings = [f"config 'patterns' names no pattern '{name}'" for name in overrides if name not in by_name]
    out = []
    for p in patterns:
        change = overrides.get(p.qualified)
        if change:
            fields = {
                "key": p.pattern.key,
                "glob": change.get("glob", p.pattern.glob),
                "contents": change.get("contents", p.pattern.contents),
                "max_lines": int(change.get("max_lines", p.pattern.max_lines)),
            }
            p = PluginPattern(p.plugin, Pattern(**fields))
        out.append(p)
    return out, warnings


def _glob_regex(globs: tuple[str, ...]) -> re.Pattern[str] | None:
    if not globs:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs), re.IGNORECASE)


class _Matcher:
    def __init__(self, patterns: list[PluginPattern]):
        self.patterns = patterns
        self.name_res = [_glob_regex(p.pattern.glob) for p in patterns]
        self.content_res = [
            re.compile(p.pattern.contents, re.MULTILINE) if p.pattern.contents else None for p in patterns
        ]
        # Patterns with a content regex and no glob must look inside every file.
        self.sniff_all = any(r is None for r in self.name_res)
        globs = [g for p in patterns for g in p.pattern.glob]
        self.any_name = _glob_regex(tuple(globs)) if globs else None

    def candidates(self, name: str) -> list[int]:
        if not self.sniff_all and (self.any_name is None or not self.any_name.match(name)):
            return []
        return [i for i, r in enumerate(self.name_res) if r is None or r.match(name)]


def _head(path: str, max_lines: int) -> str:
    with open(path, "rb") as raw:
        start = raw.read(2)
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw) if start == GZIP_MAGIC else raw
        lines: list[bytes] = []
        size = 0
        for line in stream:
            lines.append(line)
            size += len(line)
            if len(lines) >= max_lines or size >= SNIFF_BYTES:
                break
    return b"".join(lines).decode("utf-8", errors="replace")


def _ignored(relpath: str, name: str, ignore: list[str]) -> bool:
    return any(
        fnmatch.fnmatch(relpath, g) or fnmatch.fnmatch(name, g) or relpath.startswith(g.rstrip("/") + "/")
        for g in ignore
    )


def scan(
    run_dir: Path,
    patterns: list[PluginPattern],
    ignore: list[str] = (),  # type: ignore[assignment]
    skip_dirs: list[Path] = (),  # type: ignore[assignment]
    max_file_size: int | None = None,
) -> ScanResult:
    """Walk ``run_dir`` once and return the files matching ``patterns``.

    Hidden entries (dot-names) and ``skip_dirs`` (the report's own output) are
    not entered; each real directory and file is visited once, even through
    symlink loops. ``ignore`` globs are matched against the path relative to the
    run directory and against the bare name, and drop a file whatever pattern
    matched it. A file goes to each plugin with a matching pattern (the first
    of that plugin's patterns wins).
    """
    matcher = _Matcher(patterns)
    result = ScanResult()
    root = os.path.realpath(run_dir)
    skip = {os.path.realpath(d) for d in skip_dirs}
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
    st = os.stat(root)
    seen_dirs.add((st.st_dev, st.st_ino))
    stack: list[tuple[str, str]] = [(root, "")]
    ignore = list(ignore)
    while stack:
        dirpath, reldir = stack.pop()
        result.dirs_seen += 1
        try:
            entries = sorted(os.scandir(dirpath), key=lambda e: e.name)
        except OSError as exc:
            result.skipped.append((reldir or ".", f"cannot list folder: {exc.strerror}"))
            continue
        subdirs = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            rel = f"{reldir}/{name}" if reldir else name
            if ignore and _ignored(rel, name, ignore):
                continue
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError:
                is_dir = False
            if is_dir:
                real = os.path.realpath(entry.path)
                if real in skip:
                    continue
                try:
                    dst = entry.stat()
                except OSError as exc:
                    result.skipped.append((rel, f"cannot read folder: {exc.strerror}"))
                    continue
                key = (dst.st_dev, dst.st_ino)
                if key in seen_dirs:
                    continue
                seen_dirs.add(key)
                subdirs.append((entry.path, rel))
                continue
            result.files_seen += 1
            candidates = matcher.candidates(name)
            if not candidates:
                continue
            _match_file(entry, rel, candidates, matcher, result, seen_files, max_file_size)
        stack.extend(reversed(subdirs))
    return result


def _match_file(
    entry: os.DirEntry,
    rel: str,
    candidates: list[int],
    matcher: _Matcher,
    result: ScanResult,
    seen_files: set[tuple[int, int]],
    max_file_size: int | None,
) -> None:
    try:
        st = entry.stat()
    except OSError as exc:
        result.skipped.append((rel, f"unreadable: {exc.strerror or exc}"))
        return
    key = (st.st_dev, st.st_ino)
    if key in seen_files:
        return
    seen_files.add(key)
    if max_file_size is not None and st.st_size > max_file_size:
        result.skipped.append((rel, f"larger than max_file_size_mb ({st.st_size / 1e6:.0f} MB)"))
        return
    head: str | None = None
    taken: set[str] = set()
    for i in candidates:
        pp = matcher.patterns[i]
        if pp.plugin in taken:
            continue
        content_re = matcher.content_res[i]
        if content_re is not None:
            if head is None:
                try:
                    head = _head(entry.path, max(p.pattern.max_lines for p in matcher.patterns))
                except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
                    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
                    result.skipped.append((rel, f"unreadable: {reason}"))
                    return
            lines = head.splitlines()[: pp.pattern.max_lines]
            if not content_re.search("\n".join(lines)):
                continue
        elif not os.access(entry.path, os.R_OK):
            result.skipped.append((rel, "unreadable: permission denied"))
            return
        taken.add(pp.plugin)
        result.found.append(
            FoundFile(
                path=str(Path(entry.path).absolute()),
                relpath=rel,
                plugin=pp.plugin,
                pattern=pp.pattern.key,
                size=st.st_size,
            )
        )
