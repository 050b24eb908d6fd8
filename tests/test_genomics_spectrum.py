"""The 96-channel spectrum, APOBEC enrichment and signature fitting of the genomics plugin,
against counts written out here (maftools' rules: R/TrinucleotideMatrix.R @ c8ff3283)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from rinec_plugins.genomics import spectrum
from scipy.optimize import nnls

# Two contigs; the calls below name their 1-based positions and the triplet read there.
CHR1 = "AAGGTTCCATTCAGGCTAGAGAAGCTTTCCGGATCGATTGCATCGCA"
CHR2 = "CCCCCTCTCTCGGGAAATTTGCGC"


def _fasta(tmp_path, with_index=True):
    path = tmp_path / "ref.fa"
    path.write_text(f">chr1\n{CHR1}\n>chr2\n{CHR2}\n")
    if with_index:
        # samtools faidx's layout: name, length, offset, bases per line, bytes per line.
        off1 = len(">chr1\n")
        off2 = off1 + len(CHR1) + 1 + len(">chr2\n")
        (tmp_path / "ref.fa.fai").write_text(
            f"chr1\t{len(CHR1)}\t{off1}\t{len(CHR1)}\t{len(CHR1) + 1}\n"
            f"chr2\t{len(CHR2)}\t{off2}\t{len(CHR2)}\t{len(CHR2) + 1}\n")
    return str(path)


# sample, chrom, pos, ref, alt, variant_type
CALLS = [
    ("S1", "chr1", 7, "C", "T", "SNP"),    # T C C -> T[C>T]C (TC, but not TCW)
    ("S1", "chr1", 12, "C", "T", "SNP"),   # T C A -> T[C>T]A (TCW)
    ("S1", "chr1", 15, "G", "A", "SNP"),   # G G C, a purine: G[C>T]C
    ("S1", "1", 21, "G", "C", "SNP"),      # A G A, no 'chr': T[C>G]T (TCW on the other strand)
    ("S1", "chr1", 30, "C", "A", "SNP"),
    ("S2", "chr2", 7, "C", "T", "SNP"),    # T C T -> T[C>T]T (TCW)
    ("S2", "chr2", 12, "G", "T", "SNP"),
    ("S2", "chr2", 15, "A", "G", "SNP"),   # G A A: T[T>C]C
    ("S2", "chr2", 3, "CC", "TT", "DNP"),  # not an SNP: left out, as maftools does
    ("S2", "chr9", 3, "C", "T", "SNP"),    # no such contig: left out with a warning
]


def _variants():
    m = pd.DataFrame(CALLS, columns=["sample", "chrom", "pos", "ref", "alt", "variant_type"])
    m["patient_id"] = m["sample"].map({"S1": "P1", "S2": "P2"})
    m["gene"] = "G"
    m["variant_classification"] = "Missense_Mutation"
    samples = pd.DataFrame({"sample": ["S1", "S2", "S3"], "patient_id": ["P1", "P2", "P3"]})
    return {"mutations": m, "samples": samples, "panel_size_mb": 1.0}


def _independent(calls):
    """Straight from maftools' rules: flanks from the genome, purine -> reverse complement."""
    genome = {"chr1": CHR1, "chr2": CHR2, "1": CHR1}
    comp = {"A": "T", "C": "G", "G": "C", "T": "A"}
    out: dict[tuple[str, str], int] = {}
    for sample, chrom, pos, ref, alt, vt in calls:
        if vt != "SNP" or chrom not in genome:
            continue
        seq = genome[chrom]
        five, three = seq[pos - 2], seq[pos]
        if ref in "AG":
            five, three = comp[three], comp[five]
            ref, alt = comp[ref], comp[alt]
        key = (sample, f"{five}[{ref}>{alt}]{three}")
        out[key] = out.get(key, 0) + 1
    return out


def test_the_example_sequence_is_what_the_comments_say():
    assert CHR1[11 - 1:13] == "TCA" and CHR2[6 - 1:8] == "TCT"


def test_96_channels_equal_an_independent_count(tmp_path):
    options = {"reference": _fasta(tmp_path), "signatures": None}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = spectrum.build(_variants(), None, None, options)
    matrix = data["_spectrum"]["matrix"]
    assert matrix.shape == (3, 96)
    assert list(matrix.columns[:4]) == ["A[C>A]A", "A[C>A]C", "A[C>A]G", "A[C>A]T"]
    assert matrix.columns[-1] == "T[T>G]T"
    expected = _independent(CALLS)
    got = {(s, c): int(v) for s, row in matrix.iterrows() for c, v in row.items() if v}
    assert got == expected
    # Hand-read: S1's first call is T[C>T]A, S2's first T[C>T]T; S3 has none.
    assert matrix.loc["S1", "T[C>T]A"] == 1 and matrix.loc["S2", "T[C>T]T"] == 1
    assert matrix.loc["S1", "G[C>T]C"] == 1 and matrix.loc["S1", "T[C>G]T"] == 1
    assert matrix.loc["S2", "T[T>C]C"] == 1
    assert matrix.loc["S3"].sum() == 0 and matrix.to_numpy().sum() == 8
    messages = [str(w.message) for w in caught]
    assert any("chromosomes it does not have" in m for m in messages)
    assert not any("differs from the FASTA" in m for m in messages)


def test_apobec_enrichment_as_maftools_defines_it(tmp_path):
    data = spectrum.build(_variants(), None, None, {"reference": _fasta(tmp_path),
                                                   "signatures": None})
    apobec = data["_spectrum"]["apobec"].set_index("sample")
    # S2: C>T at chr2:7 (TCT, a TCW) is its one C>T/C>G; G>T and A>G are not.
    window = CHR2[max(0, 7 - 21):7 + 20]
    tcw = sum(window[i:i + 3] in ("TCA", "TCT", "TGA", "AGA") for i in range(len(window) - 2))
    cg = window.count("C") + window.count("G")
    row = apobec.loc["S2"]
    assert (row["n_mutations"], row["n_c_to_t_or_g"], row["n_tcw_mutations"]) == (3, 1, 1)
    assert (row["n_bg_c"], row["n_bg_tcw"]) == (cg, tcw)
    assert row["apobec_enrichment"] == pytest.approx((1 / 1) / (tcw / cg))
    # S1: four C>T/C>G (chr1:7 TCC, chr1:12 TCA, chr1:15 GGC, chr1:21 AGA), two of them TCW.
    assert apobec.loc["S1", ["n_c_to_t_or_g", "n_tcw_mutations"]].tolist() == [4, 2]
    assert "S3" not in apobec.index  # no C>T or C>G: not in maftools' table either


def test_nnls_exposures_equal_scipy_on_the_same_matrix(tmp_path):
    rng = np.random.default_rng(7)
    channels = spectrum.CHANNELS
    # More signatures than a sample has distinct channels: least squares alone would
    # give negative exposures, non-negative least squares none.
    names = [f"SBS{c}" for c in "abcdefgh"]
    catalogue = pd.DataFrame(rng.random((96, 8)), columns=names)
    catalogue = catalogue / catalogue.sum()
    path = tmp_path / "catalogue.tsv"
    catalogue.assign(Type=list(channels))[["Type", *names]].iloc[::-1].to_csv(
        path, sep="\t", index=False)  # rows in another order: matched by name
    options = {"reference": _fasta(tmp_path), "signatures": str(path)}
    data = spectrum.build(_variants(), None, None, options)["_spectrum"]
    matrix = data["matrix"]
    exposures = data["exposures"]
    for sample in ["S1", "S2"]:
        want, _ = nnls(catalogue.to_numpy(), matrix.loc[sample].to_numpy(dtype=float))
        got = exposures[exposures["sample"] == sample].set_index("signature")["exposure"]
        assert got.loc[names].to_numpy() == pytest.approx(want)
        assert (got >= 0).all()
    want, _ = nnls(catalogue.to_numpy(), matrix.sum().to_numpy(dtype=float))
    got = exposures[exposures["sample"] == "cohort"]["exposure"].to_numpy()
    assert got == pytest.approx(want)


def test_a_bad_catalogue_is_one_warning_naming_it(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("Type\tSBS1\nX[C>A]A\t0.1\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = spectrum.build(_variants(), None, None, {"reference": _fasta(tmp_path),
                                                       "signatures": str(path)})
    messages = [str(w.message) for w in caught]
    assert any("bad.tsv" in m and "X[C>A]A" in m for m in messages)
    assert "exposures" not in data["_spectrum"]
    section = spectrum.sections(data, {})[0]
    assert any("Signatures not fitted" in getattr(b, "text", "") for b in section.blocks)


def test_without_a_reference_the_section_says_what_it_needs():
    data = spectrum.build(_variants(), None, None, {"reference": None, "signatures": None})
    section = spectrum.sections(data, {})[0]
    texts = " ".join(getattr(b, "text", "") for b in section.blocks)
    assert "--reference" in texts
    assert not any(type(b).__name__ in ("Chart", "Table") for b in section.blocks)


def test_a_reference_without_its_index_is_a_warning_not_a_crash(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = spectrum.build(_variants(), None, None,
                              {"reference": _fasta(tmp_path, with_index=False), "signatures": None})
    assert any(".fai" in str(w.message) for w in caught)
    assert not (tmp_path / "ref.fa.fai").exists()  # the user's folder is not written to
    section = spectrum.sections(data, {})[0]
    assert section.blocks[0].level == "warning"


def _maf(tmp_path, calls):
    """A GDC-style MAF of the SNVs in ``calls``, CONTEXT the 11 reference bases around each."""
    genome = {"chr1": CHR1, "chr2": CHR2, "1": CHR1}
    header = ["Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2",
              "Variant_Classification", "Variant_Type", "Tumor_Sample_Barcode", "CONTEXT"]
    lines = ["\t".join(header)]
    for sample, chrom, pos, ref, alt, vt in calls:
        seq = genome.get(chrom, "")
        context = seq[max(0, pos - 6):pos + 5] if len(ref) == 1 and pos > 5 else "."
        lines.append("\t".join(["TP53", chrom, str(pos), ref, alt, "Missense_Mutation", vt, sample,
                                context]))
    run = tmp_path / "run"
    run.mkdir()
    (run / "calls.maf").write_text("\n".join(lines) + "\n")
    return run


def _report(tmp_path, run, *flags):
    import subprocess
    import sys

    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "rinec_report.cli", str(run), "-o", str(out),
                           "--force", *flags], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out / "rinec_report_data", done.stderr


def _exported(folder):
    table = pd.read_csv(folder / "genomics_spectrum_counts.tsv", sep="\t")
    return {(s, c): int(n) for s, c, n in zip(table["sample"], table["channel"], table["count"],
                                              strict=True)}


def test_a_maf_context_column_gives_the_same_counts_and_no_apobec(tmp_path):
    # Positions past 5 only, so that each CONTEXT holds its five bases each side.
    calls = [c for c in CALLS if c[2] > 5 and c[1] != "chr9"]
    run = _maf(tmp_path, calls)
    folder, _ = _report(tmp_path, run)
    assert _exported(folder) == _independent(calls)
    assert not (folder / "genomics_apobec.tsv").exists()
    html = (folder.parent / "rinec_report.html").read_text()
    assert "APOBEC enrichment is not computed" in html


def test_the_reference_flag_in_a_report_exports_counts_and_apobec(tmp_path):
    calls = [c for c in CALLS if c[2] > 5]
    run = _maf(tmp_path, calls)
    fasta = _fasta(tmp_path)
    folder, _ = _report(tmp_path, run, "--reference", fasta)
    assert _exported(folder) == _independent(calls)
    apobec = pd.read_csv(folder / "genomics_apobec.tsv", sep="\t").set_index("sample")
    assert apobec.loc["S1", "n_tcw_mutations"] == 2


@pytest.mark.parametrize("index", ["garbage\n", "chr1\t47\t6\t47\t48\nchr2\t99999\t60\t24\t25\n"])
def test_a_broken_index_is_one_warning(tmp_path, index):
    # Unreadable, or a contig longer than the file holds (chr2 ends 24 bases in).
    path = _fasta(tmp_path)
    (tmp_path / "ref.fa.fai").write_text(index)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = spectrum.build(_variants(), None, None, {"reference": path, "signatures": None})
    assert [str(w.message) for w in caught if "cannot read it" in str(w.message)]
    assert "matrix" not in data["_spectrum"]


def test_a_ref_context_column_is_read_like_context(tmp_path):
    # The Broad's/Firehose MAF spelling: ref_context, 21 lower-case bases centred on the call.
    # Hand-read from CHR1 (1-based): pos 12 is C in T-C-A, pos 15 is G in G-G-C, pos 30 is C
    # in C-C-G; S1's row at 21 carries a context whose centre is not its reference base.
    header = ["Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele",
              "Tumor_Seq_Allele2", "Variant_Classification", "Variant_Type",
              "Tumor_Sample_Barcode", "ref_context"]
    rows = [("chr1", 12, "C", "T", "S1"), ("chr1", 15, "G", "A", "S1"),
            ("chr1", 30, "C", "A", "S2")]
    lines = ["\t".join(header)]
    for chrom, pos, ref, alt, sample in rows:
        window = CHR1[max(0, pos - 11):pos + 10].lower()
        lines.append("\t".join(["TP53", chrom, str(pos), ref, alt, "Missense_Mutation", "SNP",
                                sample, window]))
    lines.append("\t".join(["TP53", "chr1", "21", "G", "C", "Missense_Mutation", "SNP", "S1",
                            "aaaaaaaaaataaaaaaaaaa"]))
    run = tmp_path / "run"
    run.mkdir()
    (run / "calls.maf").write_text("\n".join(lines) + "\n")
    folder, stderr = _report(tmp_path, run)
    # Hand count: T[C>T]A and, reverse-complemented, G[C>T]C for S1; C[C>A]G for S2.
    assert _exported(folder) == {("S1", "T[C>T]A"): 1, ("S1", "G[C>T]C"): 1,
                                 ("S2", "C[C>A]G"): 1}
    assert "does not hold their reference allele at its centre, left out of the spectrum: 1" in stderr
