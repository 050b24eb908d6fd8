"""Shared helpers for the variants plugin's tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Public files written by other projects, with provenance in tests/data/README.md.
TEST_DATA = REPO / "tests" / "data"
DATA = TEST_DATA / "variants"  # this plugin's own public test files
EXAMPLE = REPO / "example_run"

VEP_FORMAT = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|"
              "HGVSc|HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|"
              "Existing_variation|DISTANCE|STRAND|FLAGS|SYMBOL_SOURCE|HGNC_ID|CANONICAL")


def csq(allele: str, consequence: str, symbol: str, transcript: str = "ENST1",
        biotype: str = "protein_coding", hgvsp: str = "", canonical: str = "YES",
        hgvsc: str = "", cdna: str = "") -> str:
    """One VEP CSQ entry in VEP_FORMAT order."""
    fields = [allele, consequence, "MODERATE", symbol, "ENSG1", "Transcript", transcript,
              biotype, "", "", hgvsc, hgvsp, cdna, "", "", "", "", "", "", "1", "", "HGNC", "",
              canonical]
    return "|".join(fields)


def write_vcf(path: Path, records: list[tuple], samples: tuple[str, ...] = ("S1",),
              extra_header: tuple[str, ...] = (), csq_header: bool = True,
              genotypes: tuple[str, ...] | None = None) -> Path:
    """A small VCF. ``records``: (chrom, pos, ref, alt, filter, info) tuples, or
    with a seventh element: the genotypes of that record."""
    lines = ["##fileformat=VCFv4.2", '##FILTER=<ID=PASS,Description="All filters passed">',
             '##FILTER=<ID=LowQual,Description="Low quality">',
             '##FILTER=<ID=germline,Description="Germline">', "##contig=<ID=1>",
             "##contig=<ID=17>"]
    if csq_header:
        lines.append('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations '
                     f'from Ensembl VEP. Format: {VEP_FORMAT}">')
    lines.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
    lines.extend(extra_header)
    cols = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"
    if samples:
        cols += "\tFORMAT\t" + "\t".join(samples)
    lines.append(cols)
    for rec in records:
        chrom, pos, ref, alt, filt, info = rec[:6]
        line = f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\t{filt}\t{info}"
        if samples:
            gts = rec[6] if len(rec) > 6 else (genotypes or tuple("0/1" for _ in samples))
            line += "\tGT\t" + "\t".join(gts)
        lines.append(line)
    path.write_text("\n".join(lines) + "\n")
    return path


def add_sample_column(src: Path, dst: Path, sample: str = "S1", second_alt: bool = False) -> Path:
    """A sites-only VCF (like bcftools' test files) with one genotype column added,
    so the plugin can attribute its records to a sample: 0/1, or with ``second_alt``
    0/2 at multi-allelic records (the second ALT is then the sample's allele)."""
    out = []
    for line in src.read_text().splitlines():
        if line.startswith("##"):
            out.append(line)
        elif line.startswith("#CHROM"):
            out.append('##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">')
            out.append(line if line.count("\t") > 7 else f"{line}\tFORMAT\t{sample}")
        elif line.strip():
            gt = "0/2" if second_alt and "," in line.split("\t")[4] else "0/1"
            out.append(line if line.count("\t") > 7 else f"{line}\tGT\t{gt}")
    dst.write_text("\n".join(out) + "\n")
    return dst


def write_bgzf(text: str, path: Path) -> Path:
    """VCF text as .vcf.gz in BGZF (htslib's blocked gzip), written by cyvcf2."""
    from cyvcf2 import VCF, Writer

    plain = path.with_name(path.name + ".plain.vcf")
    plain.write_text(text)
    reader = VCF(str(plain))
    writer = Writer(str(path), reader, mode="wz")
    for record in reader:
        writer.write_record(record)
    writer.close()
    reader.close()
    plain.unlink()
    return path
