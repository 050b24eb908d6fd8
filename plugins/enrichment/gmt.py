"""Reading gene-set files in the GMT format (one set a line: name, id or URL, genes).

Real GMT files are messy: genes repeated within a set, sets left empty, Windows
line endings, trailing tabs. All of these are accepted; what was dropped is counted
so that the section can say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rinec_report.model import InputError

# Reactome's second column is an id (R-HSA-164843); MSigDB's is a URL or "> text".
_ID_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:_.\-]{0,63}$")
_NOT_ID = {"na", "n/a", "none", "null", "-"}

BUNDLED_GMT = "ReactomePathways_2024-09-18.gmt"


@dataclass(frozen=True)
class GeneSet:
    term_id: str
    description: str
    genes: tuple[str, ...]


@dataclass
class GeneSetLibrary:
    """One GMT file: the unit within which FDR is computed."""

    name: str
    sets: list[GeneSet]
    source: str  # where it came from, as shown to users
    empty_sets: int = 0
    duplicate_genes: int = 0
    merged_sets: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def genes(self) -> set[str]:
        return {g for s in self.sets for g in s.genes}


def parse_gmt(text: str, name: str, source: str) -> GeneSetLibrary:
    """Parse GMT text. Raises InputError when no line holds a gene set."""
    by_id: dict[str, GeneSet] = {}
    empty = duplicates = merged = lines_read = 0
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        lines_read += 1
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) < 2:
            raise InputError(f"line {number}: expected tab-separated name, id and genes")
        label, second, raw_genes = fields[0], fields[1], fields[2:]
        if not label:
            raise InputError(f"line {number}: the gene set has no name")
        is_id = _ID_LIKE.match(second) and second.lower() not in _NOT_ID
        term_id = second if is_id else label
        given = [gene for gene in raw_genes if gene]
        genes = list(dict.fromkeys(given))  # each gene once, in the order given
        duplicates += len(given) - len(genes)
        if not genes:
            empty += 1
            continue
        if term_id in by_id:
            # The same set twice (some GMT merges do this): keep one, with every gene.
            merged += 1
            old = by_id[term_id]
            extra = [g for g in genes if g not in old.genes]
            by_id[term_id] = GeneSet(term_id, old.description, old.genes + tuple(extra))
            continue
        by_id[term_id] = GeneSet(term_id, label, tuple(genes))
    if not by_id:
        raise InputError("no gene set with at least one gene (is this a GMT file?)")
    from rinec_report import account

    # Stated of the file being parsed; the bundled library and a config's GMT are no input.
    account.rows(read=lines_read, used=len(by_id), unit="gene sets")
    account.dropped("no gene in the set", empty)
    account.dropped("a set id given again (its genes merged into the first)", merged)
    return GeneSetLibrary(
        name=name,
        sets=list(by_id.values()),
        source=source,
        empty_sets=empty,
        duplicate_genes=duplicates,
        merged_sets=merged,
    )


def read_gmt(path: str | Path, name: str | None = None, source: str | None = None) -> GeneSetLibrary:
    from .genes import read_text

    path = Path(path)
    text = read_text(path)
    return parse_gmt(text, name or library_name(path.name), source or path.name)


def library_name(filename: str) -> str:
    """The library's display name: the file name without .gmt."""
    stem = filename[:-4] if filename.lower().endswith(".gmt") else filename
    return stem


def bundled_library() -> GeneSetLibrary:
    """Reactome human pathways shipped with the plugin (CC0; see data/README.md)."""
    path = Path(__file__).with_name("data") / BUNDLED_GMT
    return read_gmt(path, name="Reactome", source=f"bundled {BUNDLED_GMT}")
