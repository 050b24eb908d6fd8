"""What the enrichment's combining leaves out of each input, in the file's account: a
gene list that another list (or the configuration) overrides, the listed genes no
library can test, gene sets outside the size limits, and an interaction that two
exports both hold."""

from __future__ import annotations

from typing import Any

NO_SET = "in no gene set of the libraries (cannot be tested)"
OUTSIDE_BACKGROUND = "not in the background (not tested)"


def unused_gene_lists(files: list[Any], used: str | None, why: str) -> None:
    from rinec_report import account

    for pf in files:
        if pf.file.pattern == "genes" and pf.file.relpath != used:
            account.dropped(why, len(pf.data), file=pf.file.relpath)
            account.rows(used=0, file=pf.file.relpath)


def untested_genes(files: list[Any], source: str, genes: list[str], unannotated: list[str],
                   not_in_background: list[str]) -> None:
    """The chosen gene list's genes that no test can use."""
    from rinec_report import account

    chosen = next((pf for pf in files if pf.file.pattern == "genes" and source == f"gene list {pf.file.relpath}"),
                  None)
    if chosen is None:
        return
    no_set = set(unannotated)
    outside = [g for g in not_in_background if g not in no_set]
    account.dropped(NO_SET, len(no_set), file=chosen.file.relpath)
    account.dropped(OUTSIDE_BACKGROUND, len(outside), file=chosen.file.relpath)
    account.rows(used=len(genes) - len(no_set) - len(outside), file=chosen.file.relpath)


def sets_outside_limits(files: list[Any], library: Any, in_limits: int, min_size: int, max_size: int) -> None:
    from rinec_report import account

    pf = next((pf for pf in files if pf.file.pattern == "gmt" and pf.data is library), None)
    if pf is None:
        return
    account.dropped(f"size outside enrichment.min_size..max_size ({min_size}-{max_size} genes in the background)",
                    len(library.sets) - in_limits, file=pf.file.relpath)
    account.rows(used=in_limits, file=pf.file.relpath)


def edges_in_two_exports(files: list[Any], network: Any) -> None:
    """Exports that share an interaction: the pair is kept once (the highest score), and
    the other export's row is counted as dropped in its account."""
    from rinec_report import account

    exports = [pf for pf in files if pf.file.pattern == "string_interactions"]
    if len(exports) < 2:
        return
    kept = network["source"].value_counts().to_dict() if len(network) else {}
    for pf in exports:
        source = f"STRING web export {pf.file.relpath}"
        lost = len(pf.data) - int(kept.get(source, 0))
        if lost > 0:
            account.dropped("the same pair as in another export (the highest score kept)", lost,
                            file=pf.file.relpath)
            account.rows(used=int(kept.get(source, 0)), file=pf.file.relpath)
