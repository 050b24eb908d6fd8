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
import stat
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import FoundFile, Pattern
from .safeio import display_name, kind_of, open_regular, read_head
from .write import IDENTITY_MAP_SUFFIX, OUTPUTS_NAME, listed_outputs

GZIP_MAGIC = b"\x1f\x8b"
SNIFF_BYTES = 1 << 20  # never read more than this to sniff contents
MANIFEST = "manifest.json"
# Tables (clinical, IHC, survival, gene lists) are read whole into memory: they get
# a lower size limit than sequencing files, which are streamed.
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".gmt", ".csv.gz", ".tsv.gz", ".txt.gz")


def is_table(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(TABLE_SUFFIXES) and ".maf" not in lower


# A content expression reads at most SNIFF_BYTES of a file, which takes microseconds;
# one still running after this long backtracks without bound and is stopped.
CONTENT_TIMEOUT_S = 1.0
MANIFEST_HEAD = re.compile(rb'^\s*\{\s*"rinec_report_version"\s*:')


class PatternError(ValueError):
    """A pattern from the config cannot be used (a one-line message naming it)."""


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
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (relpath, reason): left out on purpose
    failed: list[tuple[str, str]] = field(default_factory=list)  # (relpath, reason): an input that cannot be read
    outside: list[tuple[str, str]] = field(default_factory=list)  # (relpath, target): links followed out of the run
    files_seen: int = 0
    dirs_seen: int = 0


def apply_overrides(patterns: list[PluginPattern], overrides: dict[str, dict]) -> tuple[list[PluginPattern], list[str]]:
    """Replace the fields of patterns named ``<plugin>/<key>`` in the config."""
    by_name = {p.qualified: p for p in patterns}
    if not isinstance(overrides, dict):
        raise PatternError("config 'patterns' must be a mapping of <plugin>/<key> to a pattern")
    warnings = [f"config 'patterns' names no pattern '{name}'" for name in overrides if name not in by_name]
    out = []
    for p in patterns:
        change = overrides.get(p.qualified)
        if change:
            p = PluginPattern(p.plugin, _overridden(p, change))
        out.append(p)
    return out, warnings


def _overridden(p: PluginPattern, change: Any) -> Pattern:
    where = f"config 'patterns' {p.qualified}"
    if not isinstance(change, dict):
        raise PatternError(f"{where}: must be a mapping with glob, exclude, contents or max_lines")
    glob, exclude = (_globs(change.get(key, getattr(p.pattern, key)), f"{where}: {key}") for key in ("glob", "exclude"))
    contents = change.get("contents", p.pattern.contents)
    if contents is not None:
        if not isinstance(contents, str):
            raise PatternError(f"{where}: contents must be a regular expression (text)")
        _compiled_contents(contents, where)
    max_lines = change.get("max_lines", p.pattern.max_lines)
    if isinstance(max_lines, bool) or not isinstance(max_lines, int) or not 1 <= max_lines <= 10_000:
        raise PatternError(f"{where}: max_lines must be a whole number from 1 to 10000")
    try:
        return Pattern(key=p.pattern.key, glob=glob, contents=contents, max_lines=max_lines, exclude=exclude)
    except ValueError as exc:
        raise PatternError(f"{where}: {exc}") from None


def _globs(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(g, str) for g in value):
        raise PatternError(f"{where} must be a text or a list of texts")
    return tuple(value)


def _content_re(p: PluginPattern) -> Any:
    return _compiled_contents(p.pattern.contents, f"pattern {p.qualified}") if p.pattern.contents else None


def _compiled_contents(contents: str, where: str) -> Any:
    """A content expression, compiled by ``regex`` (Python's ``re`` syntax) for its
    time limit: the expression may come from a config file inside the run directory."""
    import regex

    try:
        return regex.compile(contents, regex.MULTILINE)
    except regex.error as exc:
        raise PatternError(f"{where}: contents is not a valid regular expression ({exc})") from None


def _glob_regex(globs: tuple[str, ...]) -> re.Pattern[str] | None:
    if not globs:
        return None
    return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs), re.IGNORECASE)


class _Matcher:
    def __init__(self, patterns: list[PluginPattern]):
        self.patterns = patterns
        self.name_res = [_glob_regex(p.pattern.glob) for p in patterns]
        self.exclude_res = [_glob_regex(p.pattern.exclude) for p in patterns]
        self.content_res = [_content_re(p) for p in patterns]
        self.stopped: set[int] = set()  # patterns whose expression ran over its time limit
        # Patterns with a content regex and no glob must look inside every file.
        self.sniff_all = any(r is None for r in self.name_res)
        globs = [g for p in patterns for g in p.pattern.glob]
        self.any_name = _glob_regex(tuple(globs)) if globs else None

    def candidates(self, name: str) -> list[int]:
        if not self.sniff_all and (self.any_name is None or not self.any_name.match(name)):
            return []
        return [i for i, (r, x) in enumerate(zip(self.name_res, self.exclude_res, strict=True))
                if (r is None or r.match(name)) and not (x and x.match(name)) and i not in self.stopped]


def _head(path: str, max_lines: int) -> str:
    """The first ``max_lines`` lines within SNIFF_BYTES of decompressed content: a
    "line" of gigabytes (gzip of one byte repeated) costs the budget, not the line."""
    head = read_head(path, SNIFF_BYTES)
    return b"".join(head.splitlines(keepends=True)[:max_lines]).decode("utf-8", errors="replace")


def _ignored(relpath: str, name: str, ignore: list[str]) -> bool:
    return any(
        fnmatch.fnmatch(relpath, g) or fnmatch.fnmatch(name, g) or relpath.startswith(g.rstrip("/") + "/")
        for g in ignore
    )


def _is_report_folder(path: str) -> bool:
    """Whether the folder holds a report's data: a manifest written by rinec-report."""
    try:
        with open_regular(os.path.join(path, MANIFEST)) as fh:
            return bool(MANIFEST_HEAD.match(fh.read(256)))
    except OSError:
        return False


OURS = "written by rinec-report (an output of an earlier report), not read as an input"


def _listed_outputs(folder: str, entries: list[os.DirEntry]) -> frozenset[str]:
    """The names a folder's list of outputs holds: what rinec-report wrote there, which
    is never read as an input, whatever it is named."""
    if not any(e.name == OUTPUTS_NAME for e in entries):
        return frozenset()
    return frozenset(listed_outputs(Path(folder)))


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _identity(path: Path | str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def scan(
    run_dir: Path,
    patterns: list[PluginPattern],
    ignore: list[str] = (),  # type: ignore[assignment]
    skip_dirs: list[Path] = (),  # type: ignore[assignment]
    max_file_size: int | None = None,
    allow_links_outside: bool = False,
    max_table_size: int | None = None,
) -> ScanResult:
    """Walk ``run_dir`` once and return the files matching ``patterns``.

    Hidden entries (dot-names), ``skip_dirs`` (the report's own output, matched
    by identity: device and inode, whatever path leads there) and any folder
    holding a report's ``manifest.json`` are not entered; each real directory
    and file is visited once, even through symlink loops. Only regular files
    are taken (a FIFO or a device would hang the run), and a link that leads
    out of the run directory is not followed unless ``allow_links_outside``
    (the links followed are listed in ``outside``). ``ignore`` globs are matched
    against the path relative to the run directory and against the bare name,
    and drop a file whatever pattern matched it. A file goes to each plugin
    with a matching pattern (the first of that plugin's patterns wins).
    """
    matcher = _Matcher(patterns)
    result = ScanResult()
    root = os.path.realpath(run_dir)
    skip = {key for key in map(_identity, skip_dirs) if key is not None}
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set(skip)
    st = os.stat(root)
    seen_dirs.add((st.st_dev, st.st_ino))
    # (the path walked, the path relative to the run directory, the real path of the
    # folder): plugins get real paths, so that their checked opens follow no link.
    stack: list[tuple[str, str, str]] = [(root, "", root)]
    ignore = list(ignore)
    while stack:
        dirpath, reldir, realdir = stack.pop()
        result.dirs_seen += 1
        try:
            entries = sorted(os.scandir(dirpath), key=lambda e: e.name)
        except OSError as exc:
            result.failed.append((reldir or ".", f"cannot list folder: {exc.strerror}"))
            continue
        subdirs = []
        ours = _listed_outputs(dirpath, entries)
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            rel = display_name(f"{reldir}/{name}" if reldir else name)
            if ignore and _ignored(rel, name, ignore):
                continue
            real = os.path.join(realdir, name)
            if entry.is_symlink():
                real = os.path.realpath(entry.path)
                if not _inside(real, root):
                    if not allow_links_outside:
                        reason = "a link out of the run directory, not followed (allow_links_outside: true follows it)"
                        result.skipped.append((rel, reason))
                        continue
                    result.outside.append((rel, display_name(real)))
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError:
                is_dir = False
            if is_dir:
                try:
                    dst = entry.stat()
                except OSError as exc:
                    result.failed.append((rel, f"cannot read folder: {exc.strerror}"))
                    continue
                key = (dst.st_dev, dst.st_ino)
                if key in seen_dirs or key in skip:
                    continue
                seen_dirs.add(key)
                if name in ours:
                    result.skipped.append((rel, OURS))
                    continue
                if _is_report_folder(entry.path):
                    result.skipped.append((rel, "holds a report written by rinec-report, not scanned"))
                    continue
                subdirs.append((entry.path, rel, real))
                continue
            result.files_seen += 1
            candidates = matcher.candidates(name)
            if not candidates:
                continue
            if name in ours or name.endswith(IDENTITY_MAP_SUFFIX):
                if _identity(entry.path) not in skip:
                    result.skipped.append((rel, OURS))
                continue
            limit, key = max_file_size, "max_file_size_mb"
            if max_table_size is not None and is_table(name) and (limit is None or max_table_size < limit):
                limit, key = max_table_size, "max_table_size_mb"
            _match_file(entry, rel, real, candidates, matcher, result, seen_files, limit, key)
        stack.extend(reversed(subdirs))
    return result


def _match_file(
    entry: os.DirEntry,
    rel: str,
    real: str,
    candidates: list[int],
    matcher: _Matcher,
    result: ScanResult,
    seen_files: set[tuple[int, int]],
    max_file_size: int | None,
    limit_key: str = "max_file_size_mb",
) -> None:
    try:
        st = entry.stat()
    except OSError as exc:
        result.failed.append((rel, f"unreadable: {exc.strerror or exc}"))
        return
    key = (st.st_dev, st.st_ino)
    if key in seen_files:
        return
    seen_files.add(key)
    if not stat.S_ISREG(st.st_mode):
        result.failed.append((rel, f"unreadable: {kind_of(st.st_mode)}, not a regular file"))
        return
    if max_file_size is not None and st.st_size > max_file_size:
        limit_mb = max_file_size / 1e6
        result.failed.append(
            (
                rel,
                f"{st.st_size / 1e6:,.0f} MB, over the size limit of {limit_mb:,.0f} MB "
                f"(raise it in the config: {limit_key}: {int(st.st_size / 1e6) + 1})",
            )
        )
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
                    result.failed.append((rel, f"unreadable: {reason}"))
                    return
            lines = head.splitlines()[: pp.pattern.max_lines]
            try:
                if not content_re.search("\n".join(lines), timeout=CONTENT_TIMEOUT_S):
                    continue
            except TimeoutError:
                # Reported once, on this file; the pattern is then left out of the scan.
                matcher.stopped.add(i)
                result.failed.append((rel, f"pattern {pp.qualified}: its contents expression ran "
                                           f"over {CONTENT_TIMEOUT_S:g} s on this file and was stopped "
                                           "for the rest of the run (it backtracks without bound)"))
                continue
        elif not os.access(entry.path, os.R_OK):
            result.failed.append((rel, "unreadable: permission denied"))
            return
        taken.add(pp.plugin)
        result.found.append(
            FoundFile(
                path=real,
                relpath=rel,
                plugin=pp.plugin,
                pattern=pp.pattern.key,
                size=st.st_size,
                limit=max_file_size,
                limit_key=limit_key,
            )
        )
