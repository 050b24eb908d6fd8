"""VCF, VCF.gz and BCF to a table of classified mutations, through cyvcf2.

The record loop only collects raw values (it is the part bounded by cyvcf2's
own speed); splitting annotations, choosing transcripts and classifying happen
afterwards on whole columns.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rinec_report.model import InputError, InputWarning

from .annot import AnnotationFormat, choose_effects, parse_format
from .frames import concat_mutations, finish_mutations

TUMOR_NAMES = ("TUMOR", "TUMOUR")
NORMAL_NAMES = ("NORMAL",)
CHUNK = 20_000  # records per batch handed to the worker
READER_MIN_BYTES = 16 << 20  # files this large are read by a helper process


def file_stem(path: str) -> str:
    name = os.path.basename(path)
    for ext in (".vcf.gz", ".vcf.bgz", ".vcf", ".bcf"):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


def header_meta(raw_header: str, key: str) -> str | None:
    m = re.search(rf"^##{key}=(.+)$", raw_header, flags=re.MULTILINE)
    return m.group(1).strip() if m else None


def pick_tumor(samples: list[str], raw_header: str, options: dict[str, Any]) -> str | None:
    """The tumour column of a tumour/normal VCF, or None for a cohort VCF.

    In order: the config's ``tumor_sample``; ``##tumor_sample=``; a column
    named TUMOR; the column that is not the config's or header's normal.
    """
    wanted = options["tumor_sample"]
    if wanted and wanted in samples:
        return wanted
    header_tumor = header_meta(raw_header, "tumor_sample")
    if header_tumor in samples:
        return header_tumor
    upper = {s.upper(): s for s in samples}
    for name in TUMOR_NAMES:
        if name in upper:
            return upper[name]
    normal = options["normal_sample"] or header_meta(raw_header, "normal_sample")
    if not normal and len(samples) == 2:
        normal = next((upper[n] for n in NORMAL_NAMES if n in upper), None)
    if normal in samples and len(samples) == 2:
        return next(s for s in samples if s != normal)
    if len(samples) == 1:
        return samples[0]
    return None


def annotation_format(vcf: Any, preferred: str) -> AnnotationFormat | None:
    """The CSQ or ANN header to read (``preferred``: auto, CSQ or ANN)."""
    tags = ["CSQ", "ANN"] if preferred in ("auto", "CSQ") else ["ANN", "CSQ"]
    if preferred not in ("auto",):
        tags = [preferred]
    for tag in tags:
        try:
            info = vcf.get_header_type(tag)
        except KeyError:
            continue
        try:
            return parse_format(tag, info.get("Description", ""))
        except ValueError as exc:
            raise InputError(str(exc)) from None
    return None


def vep_allele(ref: str, alt: str, alts: list[str]) -> str:
    """The allele as VEP writes it in CSQ: the shared first base dropped when
    all alleles share it and differ in length, '-' for nothing."""
    alleles = [ref, *alts]
    if len({len(a) for a in alleles}) > 1 and len({a[:1] for a in alleles}) == 1:
        alt = alt[1:]
    return alt or "-"


def parse_vcf(path: str, options: dict[str, Any]) -> dict[str, Any]:
    """Read one VCF/BCF into ``{"mutations", "samples", "records", "filtered",
    "kept_filters", "annotation"}``. ``options`` may be partial (declared defaults fill it)."""
    from cyvcf2 import VCF

    from rinec_report.options import with_defaults

    from . import rinec_options

    options = with_defaults(rinec_options(), options, "variants.")

    if _truncated(path):
        raise InputError("the compressed file is truncated (no BGZF end-of-file block, or a "
                         "gzip stream cut short)")
    try:
        vcf = VCF(path, gts012=False, lazy=True, threads=1)
    except (OSError, Exception) as exc:  # cyvcf2 raises bare Exception on bad headers
        raise InputError(f"cannot be read as VCF/BCF: {exc}") from None
    raw_header = vcf.raw_header
    header_lines = _header_lines(path)
    samples = list(vcf.samples)
    if not samples:
        raise InputError(
            "the VCF has no sample columns (a sites-only VCF), so its variants cannot be "
            "assigned to a sample"
        )
    fmt = annotation_format(vcf, options["annotation"])
    tumor = pick_tumor(samples, raw_header, options)
    cohort = tumor is None
    tag = fmt.tag if fmt else None
    keep_all, accepted = _accepted_filters(options)

    if fmt is None:
        _check_undeclared_annotation(path, header_lines)
    sample_name = None
    if not cohort:
        sample_name = file_stem(path) if tumor.upper() in TUMOR_NAMES else tumor
    job = _Chunker(fmt, keep_all, accepted, samples if cohort else None, sample_name)
    result = None
    if tag is not None and not cohort and os.path.getsize(path) >= READER_MIN_BYTES:
        result = _parse_with_reader(path, tag, job, header_lines)
    # Small files, cohort VCFs, or a helper that could not start: read here.
    parts, n = result or _parse_in_process(vcf, tag, cohort, job, header_lines)
    vcf.close()
    filtered: dict[str, int] = {}
    unknown: dict[str, int] = {}
    for part in parts:
        for k, v in part["filtered"].items():
            filtered[k] = filtered.get(k, 0) + v
        for term, line in part["unknown"].items():
            unknown.setdefault(term, line)
    if fmt is None:
        warnings.warn(
            "no INFO/CSQ (VEP) or INFO/ANN (SnpEff) annotation: genes are unknown and every "
            "variant is classified Targeted_Region",
            InputWarning,
            stacklevel=2,
        )
    for term, k in sorted(unknown.items(), key=lambda kv: kv[1]):
        warnings.warn(
            f"line {header_lines + k + 1}: unknown consequence term {term!r} "
            "(classified Targeted_Region, as vcf2maf does)",
            InputWarning,
            stacklevel=2,
        )
    mutations = concat_mutations([p["mutations"] for p in parts])
    sample_names = samples if cohort else [sample_name]
    return {
        "mutations": mutations,
        "samples": sample_names,
        "records": n,
        "filtered": filtered,
        "kept_filters": "all" if keep_all else ", ".join(sorted(accepted)),
        "annotation": f"{fmt.kind.upper() if fmt.kind == 'vep' else 'SnpEff'} {fmt.tag}"
        if fmt else "none",
        "tumor_column": tumor,
    }


def _parse_with_reader(path: str, tag: str, job: Any, header_lines: int
                       ) -> tuple[list[dict[str, Any]], int] | None:
    """Large single-sample files: a helper process runs the cyvcf2 loop and sends
    raw chunks; this process classifies chunk k while the helper reads chunk k+1.
    (A thread cannot do this: the cyvcf2 loop holds the GIL almost always.)"""
    import multiprocessing

    # fork: nothing to re-import, and the child only runs cyvcf2 (no locks
    # from other threads of this process are taken in it).
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_reader_main, args=(path, tag, sender, CHUNK), daemon=True)
    try:
        proc.start()
    except Exception:  # e.g. inside a daemonic pool worker: read in this process
        receiver.close()
        sender.close()
        return None
    sender.close()
    parts = []
    n = 0
    try:
        while True:
            msg = receiver.recv()
            if msg is None:
                break
            if msg[0] == "error":
                raise InputError(f"line {header_lines + msg[1] + 1}: reading stopped ({msg[2]}); "
                                 "is the file truncated?")
            start, lists = msg
            parts.append(job(start, *lists, []))
            n = start + len(lists[0])
    except EOFError:
        if parts:
            raise InputError("the reader process stopped unexpectedly") from None
        return None
    finally:
        receiver.close()
        proc.join(timeout=5)
        if proc.is_alive():
            proc.terminate()
    return parts, n


class _ReadStopped(Exception):
    """cyvcf2 failed after ``records`` records (a truncated or corrupt file)."""

    def __init__(self, records: int, reason: str):
        super().__init__(reason)
        self.records = records


def _read_chunks(vcf: Any, tag: str, chunk: int) -> Iterator[tuple[int, tuple[list, ...]]]:
    """The fields of a single-sample annotated VCF, ``chunk`` records at a time:
    ``(index of the first record, (chroms, poss, refs, alts, filts, anns))``.

    The hot loop of the plugin, kept to the bare minimum per record: bound append
    methods, one branch."""
    start = 0
    while True:
        chroms, poss, refs, alts, filts, anns = [], [], [], [], [], []
        ca, pa_, ra, aa, fa, na = (chroms.append, poss.append, refs.append, alts.append,
                                   filts.append, anns.append)
        try:
            for v in vcf:
                ca(v.CHROM)
                pa_(v.POS)
                ra(v.REF)
                aa(v.ALT)
                fa(v.FILTER)
                na(v.INFO.get(tag))
                if len(chroms) >= chunk:
                    break
        except Exception as exc:
            raise _ReadStopped(start + len(chroms), str(exc)) from None
        if chroms:
            yield start, (chroms, poss, refs, alts, filts, anns)
        if len(chroms) < chunk:
            return
        start += len(chroms)


def _reader_main(path: str, tag: str, conn: Any, chunk: int) -> None:
    """The helper process: read records, send them in chunks, then None."""
    from cyvcf2 import VCF

    try:
        vcf = VCF(path, gts012=False, lazy=True, threads=1)
        for message in _read_chunks(vcf, tag, chunk):
            conn.send(message)
        vcf.close()
        conn.send(None)
    except _ReadStopped as exc:
        conn.send(("error", exc.records, str(exc)))
    except Exception as exc:
        conn.send(("error", 0, str(exc)))
    finally:
        conn.close()


def _parse_in_process(vcf: Any, tag: str | None, cohort: bool, job: Any, header_lines: int
                      ) -> tuple[list[dict[str, Any]], int]:
    chroms: list[str] = []
    poss: list[int] = []
    refs: list[str] = []
    alts: list[list[str]] = []
    filts: list[str | None] = []
    anns: list[str | None] = []
    gts: list[Any] = []
    # Chunks of records are split, classified and tabulated in a worker thread
    # while this thread keeps reading: the numpy/pyarrow work releases the GIL,
    # so reading and processing overlap on two cores.
    pool = ThreadPoolExecutor(max_workers=1)
    # The worker needs the GIL briefly between its numpy/pyarrow calls; with the
    # default 5 ms switch interval it starves behind this loop (the convoy
    # effect) and its work piles up after the loop. Restored below.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-3)
    pending: list[Any] = []
    finished = False
    i = 0
    try:
        if tag is not None and not cohort:
            # The common case (one annotated tumour).
            for start, lists in _read_chunks(vcf, tag, CHUNK):
                pending.append(pool.submit(job, start, *lists, gts))
                i = start + len(lists[0])
        else:
            for v in vcf:
                chroms.append(v.CHROM)
                poss.append(v.POS)
                refs.append(v.REF)
                alts.append(v.ALT)
                filts.append(v.FILTER)
                if tag is not None:
                    anns.append(v.INFO.get(tag))
                if cohort:
                    gts.append(v.gt_types.copy())  # cyvcf2 reuses the buffer
                if len(chroms) >= CHUNK:
                    pending.append(pool.submit(job, i, chroms, poss, refs, alts, filts, anns,
                                               gts))
                    i += len(chroms)
                    chroms, poss, refs, alts, filts, anns, gts = [], [], [], [], [], [], []
        if chroms or not pending:
            pending.append(pool.submit(job, i, chroms, poss, refs, alts, filts, anns, gts))
            i += len(chroms)
        finished = True
    except _ReadStopped as exc:
        raise InputError(
            f"line {header_lines + exc.records + 1}: reading stopped ({exc}); is the file truncated?"
        ) from None
    except Exception as exc:
        raise InputError(
            f"line {header_lines + i + len(chroms) + 1}: reading stopped ({exc}); "
            "is the file truncated?"
        ) from None
    finally:
        sys.setswitchinterval(switch)
        if not finished:
            pool.shutdown(wait=False, cancel_futures=True)
    parts = [f.result() for f in pending]
    pool.shutdown()
    return parts, i


class _Chunker:
    """Turns one chunk of raw record fields into a piece of the mutation table."""

    def __init__(self, fmt: AnnotationFormat | None, keep_all: bool, accepted: set[str],
                 cohort_samples: list[str] | None, sample_name: str | None):
        self.fmt = fmt
        self.keep_all = keep_all
        self.accepted = accepted
        self.cohort_samples = cohort_samples
        self.sample_name = sample_name

    def __call__(self, start: int, chroms: list, poss: list, refs: list, alts: list,
                 filts: list, anns: list, gts: list) -> dict[str, Any]:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        n = len(chroms)
        filtered: dict[str, int] = {}
        filt_arr = pa.array(filts, type=pa.string()).fill_null("PASS")
        if self.keep_all:
            keep = np.ones(n, dtype=bool)
        else:
            keep = pc.is_in(filt_arr, pa.array(sorted(self.accepted))).to_numpy(
                zero_copy_only=False)
            if not keep.all():
                dropped = pc.value_counts(pc.filter(filt_arr, pa.array(~keep))).to_pylist()
                filtered = {d["values"]: d["counts"] for d in dropped}
        first_alt = [a[0] if a else "" for a in alts]
        no_alt = [j for j, a in enumerate(alts) if not a] if "" in first_alt else []
        if no_alt:
            keep[no_alt] = False
            filtered["no ALT allele"] = len(no_alt)
        idx = np.nonzero(keep)[0]
        keys = ("symbol", "consequence", "hgvsc", "hgvsp")
        unknown: dict[str, int] = {}
        take = pa.array(idx)
        if self.fmt is None:
            cols = {k: pa.array([""] * len(idx), type=pa.large_string()) for k in keys}
        else:
            # A multi-allelic record reports its first ALT (tumour-only callers rarely
            # write more than one); its annotation is narrowed to that allele.
            multi = {k: vep_allele(refs[k], alts[k][0], alts[k])
                     for k in np.flatnonzero(np.fromiter(map(len, alts), dtype=np.int64,
                                                         count=n) > 1).tolist()}
            chosen, unk = choose_effects(anns, self.fmt, multi)
            unknown = {term: start + k for term, k in unk.items()}
            cols = {k: pc.take(chosen[k], take) for k in keys}
        all_kept = len(idx) == n
        base = {
            "chrom": chroms if all_kept else [chroms[j] for j in idx],
            "pos": np.asarray(poss, dtype=np.int64)[idx],
            "vcf_ref": refs if all_kept else [refs[j] for j in idx],
            "vcf_alt": first_alt if all_kept else [first_alt[j] for j in idx],
            "filter": pc.take(filt_arr, take),
            **cols,
        }
        if self.cohort_samples is not None:
            samples = self.cohort_samples
            matrix = np.vstack(gts)[idx] if len(idx) else np.zeros((0, len(samples)))
            rec_i, sample_i = np.nonzero((matrix == 1) | (matrix == 3))
            take_i = pa.array(rec_i)
            base = {
                k: (v[rec_i] if k == "pos" else pc.take(v, take_i) if isinstance(v, pa.Array)
                    else [v[j] for j in rec_i])
                for k, v in base.items()
            }
            sample_col: Any = np.asarray(samples, dtype=object)[sample_i]
        else:
            sample_col = self.sample_name
        return {"mutations": finish_mutations(sample_col, base), "filtered": filtered,
                "unknown": unknown}


def _header_lines(path: str) -> int:
    """Lines before the first record, counted in the file itself (htslib may add
    header lines of its own, so its raw header is not the file's)."""
    import gzip
    import zlib

    count = 0
    try:
        with gzip.open(path, "rt", errors="replace") if _is_gzip(path) else open(
                path, errors="replace") as fh:
            for line in fh:
                if not line.startswith("#"):
                    break
                count += 1
    except (OSError, EOFError, zlib.error, UnicodeDecodeError):
        pass
    return count


def _is_gzip(path: str) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _check_undeclared_annotation(path: str, header_lines: int) -> None:
    """An INFO/CSQ or ANN without its header line cannot be split: say so."""
    from cyvcf2 import VCF

    vcf = VCF(path, lazy=True)
    try:
        for i, v in enumerate(vcf):
            if i >= 1000:
                break
            for key in ("CSQ", "ANN"):
                if v.INFO.get(key) is not None:
                    raise InputError(
                        f"line {header_lines + i + 1}: INFO/{key} is present but not described "
                        "in the header, so its field order is unknown"
                    )
    finally:
        vcf.close()


def _accepted_filters(options: dict[str, Any]) -> tuple[bool, set[str]]:
    values = options["filters"]
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",")]
    values = {str(v) for v in values}
    if "*" in values or "all" in values:
        return True, values
    # cyvcf2 reports both PASS and '.' as no filter.
    if "." in values or "PASS" in values:
        values |= {"PASS"}
    return False, values


def _truncated(path: str) -> bool:
    """True for a BGZF/BCF file without its 28-byte end-of-file marker.

    htslib only warns about a missing marker and stops reading at the damaged
    block, so a truncated file would silently lose records.
    """
    eof = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
    with open(path, "rb") as fh:
        magic = fh.read(2)
        if magic != b"\x1f\x8b":
            return False
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size < 28:
            return True
        fh.seek(size - 28)
        tail = fh.read(28)
    if tail == eof:
        return False
    # A plain (non-BGZF) gzip has no marker: check its trailer by decompressing.
    import gzip
    import zlib

    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (EOFError, OSError, zlib.error):
        return True
    return False
