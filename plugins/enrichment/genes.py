"""Which genes to test, and against which background."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any

from rinec_report.model import InputError, InputWarning

_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/@]*$")


def parse_gene_list(text: str) -> list[str]:
    """Symbols, one a line (commas, tabs and spaces also separate); '#' starts a
    comment. Order kept, repeats dropped with a warning."""
    from rinec_report import account

    genes: list[str] = []
    repeated: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0]
        for token in re.split(r"[\s,;]+", line.strip()):
            if not token:
                continue
            if not _SYMBOL.match(token):
                raise InputError(f"line {number}: {token!r} is not a gene symbol")
            if token in genes:
                repeated.append(token)
            else:
                genes.append(token)
    if repeated:
        warnings.warn(f"genes listed twice: {', '.join(sorted(set(repeated)))}", InputWarning, stacklevel=2)
    # Stated of the file being parsed (genes.txt); a list in the config is no file.
    account.rows(read=len(genes) + len(repeated), used=len(genes), unit="genes")
    account.dropped(REPEATED, len(repeated))
    return genes


REPEATED = "listed again (counted once)"


MAX_LIST_BYTES = 256 * 2**20


def read_text(path: str | Path) -> str:
    """A text file's contents: regular files only (a FIFO must not hang the run),
    bounded, UTF-8."""
    from rinec_report.safeio import open_regular

    try:
        with open_regular(path) as fh:
            raw = fh.read(MAX_LIST_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {Path(path).name}: {exc.strerror or exc}") from None
    if len(raw) > MAX_LIST_BYTES:
        raise InputError(f"{Path(path).name} is larger than {MAX_LIST_BYTES // 2**20} MB")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def read_gene_list(path: str | Path) -> list[str]:
    return parse_gene_list(read_text(path))


def resolve_path(value: str, run_dir: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path(run_dir) / path


def input_path(value: str, run_dir: str, option: str, confine: bool = True) -> Path:
    """A file named in the config, which must be a regular file inside the run
    directory: the run directory's config is as untrusted as its files, and must
    not make the report read (and show) a file from elsewhere."""
    path = resolve_path(value, run_dir)
    root = os.path.realpath(run_dir)
    real = os.path.realpath(path)
    if confine and real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        raise InputError(
            f"enrichment option '{option}': {value} is outside the run directory; copy the file into it "
            f"(or set allow_links_outside: true)"
        )
    if not os.path.isfile(real):
        raise InputError(f"enrichment option '{option}': file not found: {value}")
    # The real path: the checked open that reads it follows no link, and a link the
    # run directory holds was judged here, once.
    return Path(real)


def config_genes(value: Any, run_dir: str, confine: bool = True) -> tuple[list[str], str] | None:
    """Genes from the ``genes:`` option: a list, or a path to a gene list file."""
    if value is None or value == [] or value == "":
        return None
    if isinstance(value, str):
        path = input_path(value, run_dir, "genes", confine)
        return read_gene_list(path), f"gene list {value} (config)"
    if isinstance(value, list | tuple):
        return parse_gene_list("\n".join(str(v) for v in value)), "gene list in the config"
    raise InputError("enrichment option 'genes' must be a list of symbols or a file path")


def config_background(value: Any, run_dir: str, confine: bool = True) -> tuple[set[str] | int | None, str] | None:
    """The ``background:`` option: None/'auto' (decided later), 'library', a number of
    genes, a list, or a file path."""
    if value is None or value == "auto":
        return None
    if value == "library":
        return None, "library"
    if isinstance(value, bool):
        raise InputError("enrichment option 'background' must be a number, list or file")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        number = int(value)
        if number <= 0:
            raise InputError("enrichment option 'background' must be a positive number")
        return number, f"{number} genes (a number from the config)"
    if isinstance(value, str):
        path = input_path(value, run_dir, "background", confine)
        genes = read_gene_list(path)
        return set(genes), f"{len(genes)} genes listed in {value} (config)"
    if isinstance(value, list | tuple):
        genes = parse_gene_list("\n".join(str(v) for v in value))
        return set(genes), f"{len(genes)} genes listed in the config"
    raise InputError("enrichment option 'background' must be a number, list or file")
