"""Floors shared by several benchmarks: the bare read of the same files, written the
way a practitioner would, and importing nothing the read does not need (the floor is
often run as a fresh interpreter, whose start-up is part of what it costs)."""

from __future__ import annotations


def cyvcf2_fields(path: str) -> int:
    """Read the fields the variants plugin reads (CHROM, POS, REF, ALT, FILTER,
    INFO/CSQ) into lists: the practical limit of the library. Returns the records read."""
    from cyvcf2 import VCF

    vcf = VCF(path, lazy=True, threads=1)
    chroms, poss, refs, alts, filts, anns = [], [], [], [], [], []
    for v in vcf:
        chroms.append(v.CHROM)
        poss.append(v.POS)
        refs.append(v.REF)
        alts.append(v.ALT)
        filts.append(v.FILTER)
        anns.append(v.INFO.get("CSQ"))
    vcf.close()
    return len(chroms)


def columnar_fields(path: str) -> int:
    """The same fields as whole columns (CHROM, POS, REF, ALT, FILTER, INFO, FORMAT and
    the first sample), read by pyarrow's CSV reader from the decompressed text, with the
    CSQ value cut out of INFO: the columnar reader's floor. Returns the records read."""
    import gzip

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as csv

    with open(path, "rb") as fh:
        compression = "gzip" if fh.read(2) == b"\x1f\x8b" else None
    header = 0
    with gzip.open(path, "rb") if compression else open(path, "rb") as fh:
        for line in fh:
            if not line.startswith(b"#"):
                break
            header += 1
    names = [f"c{i}" for i in range(10)]
    reader = csv.open_csv(
        pa.input_stream(path, compression=compression),
        read_options=csv.ReadOptions(skip_rows=header, column_names=names, block_size=8 << 20,
                                     use_threads=False),
        parse_options=csv.ParseOptions(delimiter="\t", quote_char=False),
        convert_options=csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                           include_columns=["c0", "c1", "c3", "c4", "c6", "c7",
                                                            "c8", "c9"]))
    n = 0
    for batch in reader:
        pc.extract_regex(batch.column(5), r"(?:^|;)CSQ=(?P<v>[^;]*)")
        pc.cast(batch.column(1), pa.int64())
        n += batch.num_rows
    return n
