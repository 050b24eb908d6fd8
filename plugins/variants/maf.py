"""MAF and MAF.gz (GDC/TCGA columns, matched case-insensitively) through pyarrow."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

from rinec_report.model import InputError

from .classify import variant_type
from .frames import MUTATION_COLUMNS

REQUIRED = {
    "Hugo_Symbol": "gene",
    "Chromosome": "chrom",
    "Start_Position": "pos",
    "Reference_Allele": "ref",
    "Tumor_Seq_Allele2": "alt",
    "Variant_Classification": "variant_classification",
    "Tumor_Sample_Barcode": "sample",
}
OPTIONAL = {"Variant_Type": "variant_type", "HGVSp_Short": "hgvsp_short", "FILTER": "filter"}


def _header(path: str) -> tuple[int, list[str]]:
    """Leading '#' lines to skip, and the column names."""
    opener = gzip.open if path.endswith(".gz") else open
    skip = 0
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("#"):
                    skip += 1
                    continue
                return skip, line.rstrip("\r\n").split("\t")
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError(f"cannot be read: {exc}") from None
    raise InputError("the MAF has no header line")


def parse_maf(path: str, options: dict[str, Any]) -> dict[str, Any]:
    """Read the columns rinec-report uses; the MAF's own Variant_Classification
    is kept (it was computed by whoever wrote the MAF). ``options`` may be partial."""
    from rinec_report.options import with_defaults

    from . import rinec_options

    options = with_defaults(rinec_options(), options, "variants.")
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    skip, names = _header(path)
    lower = {n.lower(): n for n in names}
    missing = [c for c in REQUIRED if c.lower() not in lower]
    if missing:
        raise InputError(
            f"line {skip + 1}: the MAF lacks required column(s) {', '.join(missing)}"
        )
    wanted = {lower[c.lower()]: new for c, new in {**REQUIRED, **OPTIONAL}.items()
              if c.lower() in lower}
    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(skip_rows=skip, block_size=1 << 24),
            parse_options=pcsv.ParseOptions(delimiter="\t", quote_char=False),
            convert_options=pcsv.ConvertOptions(
                include_columns=list(wanted),
                column_types={c: pa.string() for c in wanted},
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot be read as a tab-separated MAF: {exc}") from None
    table = table.rename_columns([wanted[c] for c in table.column_names])
    try:
        pos = pc.cast(table["pos"], pa.int64())
    except pa.ArrowInvalid:
        bad = next(i for i, v in enumerate(table["pos"].to_pylist())
                   if not str(v).strip().isdigit())
        raise InputError(
            f"line {skip + 2 + bad}, column Start_Position: {table['pos'][bad].as_py()!r} "
            "is not a position"
        ) from None
    keep_all, accepted = _accepted(options)
    filtered: dict[str, int] = {}
    if "filter" in table.column_names and not keep_all:
        ok = pc.is_in(table["filter"], pa.array(sorted(accepted)))
        dropped = pc.value_counts(pc.filter(table["filter"], pc.invert(ok))).to_pylist()
        filtered = {d["values"]: d["counts"] for d in dropped}
        table = table.filter(ok)
        pos = pc.filter(pos, ok)
    import pandas as pd

    def cat(name: str) -> Any:
        return table[name].dictionary_encode().to_pandas().astype(object).astype("category")

    df = pd.DataFrame({
        "sample": cat("sample"),
        "patient_id": None,
        "gene": cat("gene"),
        "chrom": cat("chrom"),
        "pos": pos.to_numpy(),
        "ref": table["ref"].to_pandas(),
        "alt": table["alt"].to_pandas(),
        "variant_classification": cat("variant_classification"),
    })
    if "variant_type" in table.column_names:
        df["variant_type"] = cat("variant_type")
    else:
        pairs = df[["ref", "alt"]].drop_duplicates()
        lookup = {(r, a): variant_type(r, a) for r, a in pairs.itertuples(index=False)}
        df["variant_type"] = pd.Categorical(
            [lookup[(r, a)] for r, a in zip(df["ref"], df["alt"], strict=True)])
    df["hgvsp_short"] = (table["hgvsp_short"].to_pandas() if "hgvsp_short" in
                         table.column_names else "")
    df["filter"] = cat("filter") if "filter" in table.column_names else "PASS"
    samples = [str(s) for s in pd.unique(df["sample"].astype(object))]
    return {
        "mutations": df[MUTATION_COLUMNS],
        "samples": samples,
        "records": int(len(df) + sum(filtered.values())),
        "filtered": filtered,
        "kept_filters": "all" if keep_all or "filter" not in table.column_names
        else ", ".join(sorted(v for v in accepted if v)),
        "annotation": "MAF Variant_Classification",
        "tumor_column": None,
    }


def _accepted(options: dict[str, Any]) -> tuple[bool, set[str]]:
    values = options["filters"]
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",")]
    values = {str(v) for v in values}
    return ("*" in values or "all" in values), values | ({"", "."} if "." in values else set())
