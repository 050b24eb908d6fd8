"""STRING's web-page downloads, read as they are.

The enrichment tab exports ``enrichment.<category>.tsv`` (``#term ID``, ``term
description``, ``observed gene count``, ``background gene count``, ``strength``,
``signal`` (v12), ``false discovery rate``, ``matching proteins in your network
(IDs)`` and ``(labels)``; the all-categories export starts with ``#category``).
The exports tab writes ``string_interactions.tsv`` / ``string_interactions_short.tsv``
(``#node1``, ``node2``, ..., ``combined_score`` from 0 to 1).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from rinec_report.model import InputError

from .ora import GENE_SEP, TERM_COLUMNS

NETWORK_COLUMNS = ["gene_a", "gene_b", "score", "source"]


def _read_tsv(path: str | Path) -> pd.DataFrame:
    from rinec_report.safeio import read_content

    try:
        text = read_content(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})") from None
    # index_col=False: a row with more fields than the header must not turn the
    # first columns into the index (the row numbers below would be tuples).
    frame = pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False, index_col=False)
    frame.columns = [c.strip().lstrip("#").strip() for c in frame.columns]
    return frame


def _number(value: str, where: str) -> float:
    try:
        return float(str(value).strip())
    except ValueError:
        raise InputError(f"{where}: {value!r} is not a number") from None


def _category_from_name(filename: str) -> str:
    match = re.match(r"(?i)enrichment\.(.+)\.tsv$", Path(filename).name)
    return match.group(1) if match else "STRING"


def parse_string_enrichment(path: str | Path, relpath: str) -> pd.DataFrame:
    """One STRING enrichment export as rows of the terms table (no p-value: STRING's
    web export gives only the FDR)."""
    frame = _read_tsv(path)
    needed = ["term ID", "term description", "observed gene count", "false discovery rate"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(f"not a STRING enrichment export: no column {missing[0]!r}")
    labels = "matching proteins in your network (labels)"
    _state_columns(frame, {"term ID": "term_id", "term description": "description", "category": "category",
                           "background gene count": "set_size", "observed gene count": "overlap",
                           "false discovery rate": "fdr", labels: "genes"})
    rows = []
    for row, (_, rec) in enumerate(frame.iterrows(), start=2):  # 1-based, after the header line
        category = rec.get("category") or _category_from_name(relpath)
        background = rec.get("background gene count", "")
        rows.append(
            {
                "library": "STRING export",
                "category": category,
                "term_id": rec["term ID"],
                "description": rec["term description"],
                "set_size": int(_number(background, f"row {row}, column 'background gene count'"))
                if background != ""
                else None,
                "overlap": int(_number(rec["observed gene count"], f"row {row}, observed gene count")),
                "p_value": float("nan"),
                "fdr": _number(rec["false discovery rate"], f"row {row}, false discovery rate"),
                "genes": GENE_SEP.join(split_genes(rec.get(labels, ""))),
                "source": f"STRING web export {relpath}",
            }
        )
    terms = pd.DataFrame(rows, columns=TERM_COLUMNS)
    terms["set_size"] = terms["set_size"].astype("Int64")
    from rinec_report import account

    account.rows(read=len(frame), used=len(terms), unit="terms")
    return terms


def _state_columns(frame: pd.DataFrame, fields: dict[str, str]) -> None:
    from rinec_report import account

    for name in frame.columns:
        if name in fields:
            account.column(name, "field", as_field=fields[name])
        else:
            account.column(name, "ignored", reason="not read by the enrichment plugin")


def parse_string_interactions(path: str | Path, relpath: str) -> pd.DataFrame:
    """A STRING interactions export as network edges (one row per pair)."""
    frame = _read_tsv(path)
    for column in ("node1", "node2", "combined_score"):
        if column not in frame.columns:
            raise InputError(f"not a STRING interactions export: no column {column!r}")
    edges = pd.DataFrame(
        {
            "gene_a": frame["node1"].str.strip(),
            "gene_b": frame["node2"].str.strip(),
            "score": [
                _number(v, f"row {i + 2}, column 'combined_score'") for i, v in enumerate(frame["combined_score"])
            ],
        }
    )
    edges["source"] = f"STRING web export {relpath}"
    _state_columns(frame, {"node1": "gene_a", "node2": "gene_b", "combined_score": "score"})
    from rinec_report import account

    out = normalise_edges(edges)
    self_pairs = int((edges["gene_a"] == edges["gene_b"]).sum())
    account.rows(read=len(frame), used=len(out), unit="interactions")
    account.dropped(SELF_PAIR, self_pairs)
    account.dropped(SAME_PAIR, len(frame) - self_pairs - len(out))
    return out


SELF_PAIR = "a protein paired with itself"
SAME_PAIR = "the same pair as an earlier row (the highest score kept)"


def split_genes(value: object) -> list[str]:
    """Genes given as a list or as one comma-separated string (STRING does both)."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return [str(g).strip() for g in items if str(g).strip()]


def normalise_edges(edges: pd.DataFrame) -> pd.DataFrame:
    """Undirected, one row per pair (highest score kept), sorted."""
    if edges.empty:
        return pd.DataFrame(columns=NETWORK_COLUMNS)
    edges = edges[edges["gene_a"] != edges["gene_b"]].copy()
    pairs = [sorted((a, b)) for a, b in zip(edges["gene_a"], edges["gene_b"], strict=True)]
    edges["gene_a"] = [p[0] for p in pairs]
    edges["gene_b"] = [p[1] for p in pairs]
    edges = edges.sort_values(["gene_a", "gene_b", "score"], ascending=[True, True, False])
    edges = edges.drop_duplicates(["gene_a", "gene_b"], keep="first")
    return edges[NETWORK_COLUMNS].reset_index(drop=True)
