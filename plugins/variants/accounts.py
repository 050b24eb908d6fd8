"""What the combining of the parsed files drops, in each file's account: duplicate calls
and calls below the depth filters, counted in the file's own unit (a VCF's records, a
MAF's rows)."""

from __future__ import annotations

from typing import Any

# The same sample, chromosome, start and alleles as an earlier row or file (maftools' read.maf).
DUPLICATE = "duplicate call (counted once, as maftools does)"
_DUPLICATE_CODE = -1


def filter_reason(value: str) -> str:
    """Why a record or row was dropped for its FILTER (variants.filters keeps PASS and . by default)."""
    return f"FILTER {value}"


def depth_reason(rule: dict[str, Any]) -> str:
    return f"{rule['words']} below variants.{rule['option']} ({rule['limit']:g})"


def state_combined(calls: list[Any], lengths: list[int], unique: Any, below: Any,
                   rules: list[dict[str, Any]]) -> None:
    """State, per file, the calls the combined table left out. ``unique``: the stacked
    rows that are no duplicate (None: all); ``below``: per deduplicated row, the depth
    rule that left it out (1-based, 0 kept; None: none did)."""
    import numpy as np

    from rinec_report import account

    if unique is None and below is None:
        return
    total = sum(lengths)
    why = np.zeros(total, dtype=np.int8)  # per stacked row: 0 kept, -1 duplicate, k a depth rule
    if unique is None:
        why[:] = below
    else:
        why[~unique] = _DUPLICATE_CODE
        if below is not None:
            why[unique] = below
    reasons = {_DUPLICATE_CODE: DUPLICATE, **{k + 1: depth_reason(r) for k, r in enumerate(rules)}}
    start = 0
    for f, n in zip(calls, lengths, strict=True):
        mine, start = why[start:start + n], start + n
        if not mine.any():
            continue
        records = f.data.get("row_records")
        if records is None or len(records) != n:  # a MAF: a row is a call
            lost_codes = mine[mine != 0]
            used = n - len(lost_codes)
        else:
            # A VCF record is lost when none of its calls is kept; its reason is its first call's.
            records = np.asarray(records)
            kept = np.unique(records[mine == 0])
            gone = ~np.isin(records, kept)
            _, first = np.unique(records[gone], return_index=True)
            lost_codes = mine[np.flatnonzero(gone)[first]]
            used = len(kept)
        codes, counts = np.unique(lost_codes, return_counts=True)
        for code, count in zip(codes.tolist(), counts.tolist(), strict=True):
            account.dropped(reasons[code], count, file=f.file.relpath)
        account.rows(used=used, file=f.file.relpath)


def state_unused_panels(panels: list[Any], used: str | None) -> None:
    """A panel BED found by the scan that the run does not use (another one is) loses
    all its intervals, said so in its account."""
    from rinec_report import account

    for f in panels:
        if f.file.relpath == used:
            continue
        why = "the configuration's panel_bed is used" if used is not None and not any(
            p.file.relpath == used for p in panels) else "another panel BED is used (the first found)"
        account.dropped(why, int(f.data["intervals"]), file=f.file.relpath)
        account.rows(used=0, file=f.file.relpath)
