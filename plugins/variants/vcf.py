"""VCF, VCF.gz and BCF to a table of classified mutations, through cyvcf2.

The record loop only collects raw values (it is the part bounded by cyvcf2's
own speed); choosing the allele, splitting annotations, choosing transcripts and
classifying happen afterwards on whole columns, chunk by chunk. Everything runs
in the calling process: parallelism across files is the core's business.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterator
from typing import Any

from rinec_report.model import InputError, InputWarning
from rinec_report.readahead import read_ahead

from .accounts import filter_reason
from .alleles import pick_allele
from .annot import AnnotationFormat, choose_effects, parse_format
from .arrow import concat_chunks, mutation_frame
from .depth import DEPTH_TAGS, count_columns, depths_per_allele, sample_fields
from .frames import finish_mutations
from .samples import pick_samples
from .sv import LEFT_OUT, expand_svs, sv_info

CHUNK = 50_000  # records classified at a time (bounds the memory of raw strings)
# A file larger than this is read a chunk ahead in a thread while the chunk before is
# classified (smaller ones are a chunk or two: a thread would cost more than it gives).
READ_AHEAD_BYTES = 4 << 20


def file_stem(path: str) -> str:
    name = os.path.basename(path)
    for ext in (".vcf.gz", ".vcf.bgz", ".vcf", ".bcf"):
        if name.lower().endswith(ext):
            return name[: -len(ext)]
    return name


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


def parse_vcf(path: str, options: dict[str, Any], as_arrow: bool = False) -> dict[str, Any]:
    """Read one VCF/BCF into ``{"mutations", "samples", "records", "filtered",
    "kept_filters", "annotation", "tumor_column", "normal_column"}``. ``options`` may be
    partial (the declared defaults fill it). The mutations are a pandas frame, or with
    ``as_arrow`` the Arrow table a parse worker sends (see arrow.py)."""
    from rinec_report.options import with_defaults

    from . import rinec_options

    options = with_defaults(rinec_options(), options, "variants.")
    from rinec_report.safeio import checked_path

    # htslib and the helpers below open the file by name, several times: each is given
    # the checked descriptor's /proc/self/fd path, which names the file as it was checked
    # (a link swapped in after the scan cannot redirect them). The name is the file's own.
    with checked_path(path) as readable:
        if _truncated(readable):
            raise InputError("the compressed file is truncated (no BGZF end-of-file block, or a "
                             "gzip stream cut short)")
        vcf, copy = _open_vcf(readable)
        try:
            parsed = _parse(vcf, readable, options, name=path)
        finally:
            vcf.close()
            if copy:
                os.unlink(copy)
    if not as_arrow:
        parsed["mutations"] = mutation_frame(parsed["mutations"])
    return parsed


def _open_vcf(path: str) -> tuple[Any, str | None]:
    """cyvcf2's reader, and the temporary copy it reads when the file lacks its
    ##fileformat line (htslib refuses such a file; SnpEff's examples have none)."""
    from cyvcf2 import VCF

    # No htslib decompression thread: starting one costs more than it saves for a
    # panel VCF, and on a machine whose cores are busy it slows a large file too.
    try:
        return VCF(path, gts012=False, lazy=True), None
    except (OSError, Exception) as exc:  # cyvcf2 raises bare Exception on bad headers
        first = _first_line(path)
        if not first.startswith("#") or first.startswith("##fileformat"):
            raise InputError(f"cannot be read as VCF/BCF: {exc}") from None
    import gzip
    import shutil
    import tempfile

    warnings.warn("the VCF has no ##fileformat line (read as VCFv4.2)", InputWarning,
                  stacklevel=3)
    fd, copy = tempfile.mkstemp(suffix=".vcf")
    with os.fdopen(fd, "wb") as out, (gzip.open(path, "rb") if _is_gzip(path)
                                      else open(path, "rb")) as src:
        out.write(b"##fileformat=VCFv4.2\n")
        shutil.copyfileobj(src, out)
    try:
        return VCF(copy, gts012=False, lazy=True), copy
    except (OSError, Exception) as exc:
        os.unlink(copy)
        raise InputError(f"cannot be read as VCF/BCF: {exc}") from None


def _first_line(path: str) -> str:
    import gzip
    import zlib

    try:
        with gzip.open(path, "rt", errors="replace") if _is_gzip(path) else open(
                path, errors="replace") as fh:
            return fh.readline()
    except (OSError, EOFError, zlib.error):
        return ""


def _parse(vcf: Any, path: str, options: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    header_lines = _header_lines(path)
    samples = list(vcf.samples)
    if not samples:
        raise InputError(
            "the VCF has no sample columns (a sites-only VCF), so its variants cannot be "
            "assigned to a sample"
        )
    fmt = annotation_format(vcf, options["annotation"])
    roles = pick_samples(samples, vcf.raw_header, options)
    _warn_ambiguous_roles(roles, samples)
    _state_sample_columns(samples, roles)
    if fmt is None:
        _refuse_eff_only(vcf)
        _check_undeclared_annotation(path, header_lines)
    if roles.tumor is not None:
        sample_name = file_stem(name or path) if roles.generic_name else roles.tumor
        job = _Chunker(fmt, options, None, sample_name)
    else:
        sample_name = None
        job = _Chunker(fmt, options, roles.cohort, None)
    reader, parts, note = _read_columnar(vcf, path, header_lines, fmt, samples, roles, job)
    try:
        if reader is None:
            reader = _Reader(vcf, fmt.tag if fmt else None, samples, roles)
            for start, chunk in reader.chunks():
                parts.append(job(start, chunk))
    except _Unparsed as exc:
        raise InputError(f"line {header_lines + exc.records + 1}: {UNPARSED}") from None
    except _ReadStopped as exc:
        line = header_lines + exc.records + 1
        if exc.not_text:  # a byte that is not UTF-8 in the record: not a truncation
            raise InputError(f"line {line}: the record holds bytes that are not UTF-8 text; "
                             "save the file as UTF-8") from None
        raise InputError(f"line {line}: reading stopped ({exc}); is the file truncated?") from None
    _warn_annotation_problems(parts, fmt, header_lines)
    filtered: dict[str, int] = {}
    for part in parts:
        for k, v in part["filtered"].items():
            filtered[k] = filtered.get(k, 0) + v
    mutations = concat_chunks([p["mutations"] for p in parts])
    _state_account(reader.records, parts)
    return {
        "mutations": mutations,
        "samples": roles.cohort if roles.tumor is None else [sample_name],
        "records": reader.records,
        "filtered": filtered,
        "kept_filters": job.kept_filters,
        "annotation": f"{fmt.kind.upper() if fmt.kind == 'vep' else 'SnpEff'} {fmt.tag}"
        if fmt else "none",
        "tumor_column": roles.tumor,
        "normal_column": roles.normal,
        # Which reader read the file, and why cyvcf2 when the columnar reader could not
        # (logged at -v by the process that builds the datasets: a parse worker has no log).
        "reader": "cyvcf2" if note is not None else "columnar",
        "reader_note": note,
        # Each mutation row's record (0-based), so that calls dropped later (duplicates,
        # the depth filters) are counted in the file's account as records.
        "row_records": _row_records(parts),
        "roles": {"tumor": roles.tumor, "normal": roles.normal, "rule": roles.rule,
                  "normal_rule": roles.normal_rule, "left_out": roles.left_out,
                  "ambiguous": roles.ambiguous},
    }


def _read_columnar(vcf: Any, path: str, header_lines: int, fmt: AnnotationFormat | None,
                   samples: list[str], roles: Any, job: Any
                   ) -> tuple[Any, list[dict[str, Any]], str | None]:
    """The file read by the columnar reader and its chunks classified, or (None, [],
    why) when it needs cyvcf2 (nothing read is kept)."""
    from .columnar import ColumnarReader, Unsupported, wanted

    choice = wanted(path)
    if choice == "cyvcf2":
        return None, [], "RINEC_VCF_READER=cyvcf2"
    parts: list[dict[str, Any]] = []
    try:
        reader = ColumnarReader(path, vcf.raw_header, header_lines, fmt.tag if fmt else None,
                                samples, roles, CHUNK)
        chunks = reader.chunks()
        if os.path.getsize(path) > READ_AHEAD_BYTES:
            chunks = read_ahead(chunks)
        for start, chunk in chunks:
            parts.append(job(start, chunk))
    except Unsupported as exc:
        if choice == "columnar":
            raise InputError(f"the columnar reader cannot read this file: {exc}") from None
        return None, [], str(exc)
    return reader, parts, None


def _state_account(records: int, parts: list[dict[str, Any]]) -> None:
    from rinec_report import account

    dropped: dict[str, int] = {}
    for part in parts:
        for reason, n in part["dropped"].items():
            dropped[reason] = dropped.get(reason, 0) + n
    account.rows(read=records, used=sum(p["used"] for p in parts), unit="records")
    for reason, n in sorted(dropped.items()):
        account.dropped(reason, n)


def _state_sample_columns(samples: list[str], roles: Any) -> None:
    """What became of each sample column: a tumour, its normal or a cohort's sample is
    read; any other column is not, and the account says why."""
    from rinec_report import account

    cohort, left_out = set(roles.cohort), set(roles.left_out)
    for name in samples:
        if name == roles.tumor:
            account.column(name, "field", as_field="tumour sample")
        elif name == roles.normal:
            account.column(name, "field", as_field="normal sample")
        elif name in cohort:
            account.column(name, "field", as_field="sample")
        elif name in left_out:
            account.column(name, "ignored", reason="a normal or control of the cohort, not a reported sample")
        else:
            account.column(name, "ignored", reason="neither the tumour nor its normal column")


def _row_records(parts: list[dict[str, Any]]) -> Any:
    import numpy as np

    # int32: 4 bytes a row, sent back from the worker with the mutation table.
    arrays = [p["row_records"] for p in parts]
    return np.concatenate(arrays).astype(np.int32) if arrays else np.zeros(0, dtype=np.int32)


def _warn_ambiguous_roles(roles: Any, samples: list[str]) -> None:
    """Two columns that no rule names as tumour and normal are read as two samples:
    say so, and how to settle it."""
    if not roles.ambiguous:
        return
    names = " and ".join(samples)
    warnings.warn(
        f"two sample columns ({names}) and nothing says which is the tumour (no "
        "##tumor_sample/##normal_sample or ##PEDIGREE header, no TUMOR/NORMAL or TCGA/GDC "
        "barcode names): read as two samples; set variants.tumor_sample and "
        "variants.normal_sample to read them as a tumour/normal pair",
        InputWarning, stacklevel=3)


def _warn_annotation_problems(parts: list[dict[str, Any]], fmt: AnnotationFormat | None,
                              header_lines: int) -> None:
    if fmt is None:
        warnings.warn(
            "no INFO/CSQ (VEP) or INFO/ANN (SnpEff) annotation: genes are unknown and every "
            "variant is classified Targeted_Region",
            InputWarning,
            stacklevel=3,
        )
        return
    unknown: dict[str, int] = {}
    bad, first = 0, None
    for part in parts:
        for term, line in part["unknown"].items():
            unknown.setdefault(term, line)
        if part["malformed"]:
            count, rec, width = part["malformed"]
            bad += count
            if first is None:
                first = (rec, width)
    for term, k in sorted(unknown.items(), key=lambda kv: kv[1]):
        warnings.warn(
            f"line {header_lines + k + 1}: unknown consequence term {term!r} "
            "(lowest priority, classified Targeted_Region, as vcf2maf does)",
            InputWarning,
            stacklevel=3,
        )
    if first is not None:
        warnings.warn(
            f"line {header_lines + first[0] + 1}: an INFO/{fmt.tag} entry has {first[1]} "
            f"'|'-separated fields where the header's Format lists {fmt.width}; "
            f"{bad:,} such entr{'y was' if bad == 1 else 'ies were'} left out rather than read "
            "with shifted fields",
            InputWarning,
            stacklevel=3,
        )


def _no_columns(_v: Any) -> str:
    return ""


def split_columns(text: str) -> tuple[str, str, str]:
    """The FORMAT text, tumour column and normal column ('' for none) of a record's
    captured text (see ``_Reader._sample_columns``)."""
    parts = text.split("\t")
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 2:
        return parts[0], parts[1], ""
    return "", "", ""


class _ReadStopped(Exception):
    """cyvcf2 failed after ``records`` records (a truncated or corrupt file)."""

    def __init__(self, records: int, reason: str, not_text: bool = False):
        super().__init__(reason)
        self.records = records
        self.not_text = not_text


UNPARSED = ("htslib could not parse this record (a header line after the records, binary "
            "bytes, a line with too few columns or a bad POS?)")


class _Unparsed(Exception):
    """htslib failed to parse the record after ``records`` good ones."""

    def __init__(self, records: int):
        super().__init__(UNPARSED)
        self.records = records


def declared_contigs(vcf: Any) -> frozenset[str]:
    """The contigs the header declares, from its text (``vcf.seqnames`` would look
    for an index file beside the input when there are none)."""
    return frozenset(m.group(1) for m in _CONTIG.finditer(vcf.raw_header))


_CONTIG = re.compile(r"^##contig=<ID=([^,>]+)", re.MULTILINE)


def unparsed(v: Any, chrom: str, declared: frozenset[str]) -> bool:
    """Whether htslib handed over a record it failed to parse.

    htslib flags a record whose contig the header does not declare with
    BCF_ERR_CTG_UNDEF, and cyvcf2 returns such a record even when ``bcf_read``
    failed on it (a bad POS, a line with no tabs, binary bytes): its alleles were
    then never read, and touching REF or ALT dereferences a null pointer. Such a
    record has no length (htslib sets ``rlen`` from REF or INFO/END, at least 1),
    which is all Python can see of the failure. A record on a declared contig
    that failed is never returned: cyvcf2 raises instead."""
    return chrom not in declared and v.end <= v.start


class _Reader:
    """The record loop: raw fields, ``CHUNK`` records at a time.

    Kept to the bare minimum per record (bound append methods, one branch): the
    genotypes and allele depths are read only for multi-allelic records, where
    vcf2maf picks the tumour's allele from them, and for cohort VCFs."""

    def __init__(self, vcf: Any, tag: str | None, samples: list[str], roles: Any):
        self.vcf, self.tag, self.roles = vcf, tag, roles
        self.tumor_i = samples.index(roles.tumor) if roles.tumor is not None else None
        self.normal_i = samples.index(roles.normal) if roles.normal is not None else None
        self.cohort_i = [samples.index(s) for s in roles.cohort]
        self.declared = declared_contigs(vcf)
        self.n_samples = len(samples)
        # The tumour then its normal (or a tumour alone) are the whole sample columns.
        self.tail_is_columns = (self.tumor_i, self.normal_i) in ((0, 1), (0, None)) and \
            self.n_samples == (1 if self.normal_i is None else 2)
        # No depth to read without any tag vcf2maf reads depths from: skip the text.
        declared = set(re.findall(r"^##FORMAT=<ID=([^,>]+)", vcf.raw_header, flags=re.MULTILINE))
        self.has_depths = bool(declared & DEPTH_TAGS)
        self.has_svs = re.search(r"^##INFO=<ID=SVTYPE[,>]", vcf.raw_header, flags=re.MULTILINE) \
            is not None
        self.records = 0

    def chunks(self) -> Iterator[tuple[int, dict[str, Any]]]:
        start = 0
        while True:
            chunk = self._read_chunk() if self.tumor_i is not None else self._read_cohort()
            n = len(chunk["chrom"])
            self.records += n
            if chunk.get("svs"):
                chunk = expand_svs(chunk, chunk["svs"])
            if n or start == 0:
                yield start, chunk
            if n < CHUNK:
                return
            start += n

    def _read_chunk(self) -> dict[str, Any]:
        # Strings, not cyvcf2's lists, are kept per record: fewer live containers
        # for Python's garbage collector to walk, and less memory.
        chroms, poss, refs, alts, filts, anns, cols = [], [], [], [], [], [], []
        multi: dict[int, list[str]] = {}
        allele: dict[int, int] = {}
        ca, pa_, ra, aa, fa, na, da = (chroms.append, poss.append, refs.append, alts.append,
                                       filts.append, anns.append, cols.append)
        tag, declared = self.tag, self.declared
        columns = self._sample_columns if self.has_depths else _no_columns
        has_svs, svs = self.has_svs, {}
        try:
            for v in self.vcf:
                c = v.CHROM
                if c not in declared and unparsed(v, c, declared):
                    raise _Unparsed(self.records + len(chroms))
                ca(c)
                pa_(v.POS)
                ra(v.REF)
                a = v.ALT
                fields = columns(v)
                da(fields)
                if len(a) == 1:
                    aa(a[0])
                elif a:
                    aa(a[0])
                    j = len(chroms) - 1
                    multi[j] = a
                    allele[j] = self._allele_of(v, fields)
                else:
                    aa("")
                f = v.FILTERS
                fa(f[0] if len(f) == 1 else ";".join(f) or ".")
                na(v.INFO.get(tag) if tag else None)
                if has_svs and (sv := sv_info(v)) is not None:
                    svs[len(chroms) - 1] = sv
                if len(chroms) >= CHUNK:
                    break
        except _Unparsed:
            raise
        except Exception as exc:
            # The record being read is the first whose last field is not in yet.
            raise _ReadStopped(self.records + len(anns), str(exc),
                               isinstance(exc, UnicodeDecodeError)) from None
        return {"chrom": chroms, "pos": poss, "ref": refs, "alt": alts, "filter": filts,
                "ann": anns, "multi": multi, "allele": allele, "carriers": None,
                "columns": cols, "svs": svs}

    def _sample_columns(self, v: Any) -> str:
        """The record's FORMAT text and its tumour's and normal's columns, tab-joined
        (read back by :func:`split_columns`), as written: vcf2maf reads depths from
        that text. htslib formats the record; searching from the right leaves INFO
        whole. One string per record, not a list: a container per record is one
        more object for Python's garbage collector to walk at every collection,
        which cost more than the formatting."""
        text = str(v)
        if self.tail_is_columns:  # FORMAT, tumour, normal: the record's last columns
            end = len(text)
            for _ in range(self.n_samples + 1):
                end = text.rfind("\t", 0, end)
                if end < 0:
                    return ""
            return text[end + 1:].rstrip("\n")
        parts = text.rsplit("\t", self.n_samples + 1)
        if len(parts) != self.n_samples + 2:
            return ""
        parts[-1] = parts[-1].rstrip("\n")
        normal = parts[self.normal_i + 2] if self.normal_i is not None else ""
        return f"{parts[1]}\t{parts[self.tumor_i + 2]}\t{normal}"

    def _allele_of(self, v: Any, text: str) -> int:
        """vcf2maf's tumour allele of a multi-allelic record."""
        try:
            gts = v.genotypes
        except Exception:  # no FORMAT/GT (Strelka): settled by the read depths
            gts = None
        tumor = gts[self.tumor_i][:-1] if gts else [-1]
        normal = gts[self.normal_i][:-1] if gts and self.normal_i is not None else None
        keys, tumor_column, _ = split_columns(text)
        depths = depths_per_allele([v.REF, *v.ALT], sample_fields(keys, tumor_column))
        return pick_allele(tumor, normal, depths, len(v.ALT) + 1)

    def _read_cohort(self) -> dict[str, Any]:
        """A cohort VCF: every carrier (a non-reference allele in its genotype) of
        every record, with the allele that carrier has (its first ALT in GT)."""
        chroms, poss, refs, alts, filts, anns = [], [], [], [], [], []
        multi: dict[int, list[str]] = {}
        carriers: list[list[tuple[int, int]]] = []
        texts: list[tuple[str, list[str]]] = []
        svs: dict[int, tuple[str, Any, Any]] = {}
        cols = self.cohort_i
        tag, declared = self.tag, self.declared
        try:
            for v in self.vcf:
                c = v.CHROM
                if c not in declared and unparsed(v, c, declared):
                    raise _Unparsed(self.records + len(chroms))
                chroms.append(c)
                poss.append(v.POS)
                refs.append(v.REF)
                a = v.ALT
                alts.append(a[0] if a else "")
                if len(a) > 1:
                    multi[len(chroms) - 1] = a
                f = v.FILTERS
                filts.append(f[0] if len(f) == 1 else ";".join(f) or ".")
                anns.append(v.INFO.get(tag) if tag else None)
                try:
                    gts = v.genotypes
                except Exception:  # no FORMAT/GT: no sample can be called a carrier
                    gts = None
                n_alleles = len(a) + 1
                rec = []
                for k, c in enumerate(cols if gts else ()):
                    allele = pick_allele(gts[c][:-1], None, None, n_alleles, carrier_only=True)
                    if allele:
                        rec.append((k, allele))
                carriers.append(rec)
                texts.append(self._carrier_columns(v, rec) if self.has_depths else ("", []))
                if self.has_svs and (sv := sv_info(v)) is not None:
                    svs[len(chroms) - 1] = sv
                if len(chroms) >= CHUNK:
                    break
        except _Unparsed:
            raise
        except Exception as exc:
            raise _ReadStopped(self.records + len(texts), str(exc),
                               isinstance(exc, UnicodeDecodeError)) from None
        return {"chrom": chroms, "pos": poss, "ref": refs, "alt": alts, "filter": filts,
                "ann": anns, "multi": multi, "allele": {}, "carriers": carriers,
                "columns": texts, "svs": svs}

    def _carrier_columns(self, v: Any, carriers: list[tuple[int, int]]) -> tuple[str, list[str]]:
        """A cohort record's FORMAT text and its carriers' columns (in ``carriers``
        order): each carrier's depths are read as a tumour's."""
        if not carriers:
            return "", []
        parts = str(v).rsplit("\t", self.n_samples + 1)
        if len(parts) != self.n_samples + 2:
            return "", ["" for _ in carriers]
        parts[-1] = parts[-1].rstrip("\n")
        return parts[1], [parts[self.cohort_i[k] + 2] for k, _ in carriers]


class _Chunker:
    """Turns one chunk of raw record fields into a piece of the mutation table."""

    def __init__(self, fmt: AnnotationFormat | None, options: dict[str, Any],
                 cohort_samples: list[str] | None, sample_name: str | None):
        self.fmt = fmt
        self.keep_all, self.accepted = _accepted_filters(options)
        self.kept_filters = "all" if self.keep_all else ", ".join(sorted(self.accepted))
        self.cohort_samples = cohort_samples
        self.sample_name = sample_name

    def __call__(self, start: int, chunk: dict[str, Any]) -> dict[str, Any]:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        rows, alleles, sample_idx = self._rows(chunk)
        refs, first_alt, multi = chunk["ref"], chunk["alt"], chunk["multi"]
        # FILTER as written: PASS, '.', or the failed filters joined by ';'. Counted
        # per record (a cohort record's rows share its FILTER).
        filt_arr = pa.array(chunk["filter"], type=pa.string())
        filtered: dict[str, int] = {}
        if self.keep_all:
            keep = np.ones(len(filt_arr), dtype=bool)
        else:
            keep = pc.is_in(filt_arr, pa.array(sorted(self.accepted))).to_numpy(
                zero_copy_only=False)
            if not keep.all():
                dropped = pc.value_counts(pc.filter(filt_arr, pa.array(~keep))).to_pylist()
                filtered = {d["values"]: d["counts"] for d in dropped}
        passed, filters = keep.copy(), filt_arr  # per chunk row: its record's FILTER, kept or not
        if rows is not None:
            take_rows = pa.array(rows, type=pa.int64())
            filt_arr = pc.take(filt_arr, take_rows)
            keep = keep[np.asarray(rows, dtype=np.int64)] if rows else keep[:0]
            refs = [refs[j] for j in rows]
            first_alt = [first_alt[j] for j in rows]
        record = (lambda j: j) if rows is None else rows.__getitem__
        n = len(refs)
        # The reported allele: the first ALT, or the tumour's (carrier's) allele.
        alt_of = first_alt if not alleles else list(first_alt)
        for j, k in alleles.items():
            alt_of[j] = multi[record(j)][k - 1]
        if chunk.get("sv_left_out"):
            filtered[LEFT_OUT] = chunk["sv_left_out"]
        no_alt = [j for j, a in enumerate(alt_of) if not a] if "" in alt_of else []
        if no_alt:
            keep[no_alt] = False
            filtered["no ALT allele"] = filtered.get("no ALT allele", 0) + len(no_alt)
        idx = np.nonzero(keep)[0]
        keys = ("symbol", "consequence", "transcript", "hgvsc", "hgvsp", "protein")
        unknown: dict[str, int] = {}
        malformed = None
        take = pa.array(idx)
        if self.fmt is None:
            cols = {k: pa.array([""] * len(idx), type=pa.large_string()) for k in keys}
        else:
            anns = chunk["ann"] if rows is None else [chunk["ann"][j] for j in rows]
            spell = {j: (k, (alt_of[j], vep_allele(refs[j], alt_of[j], multi[record(j)])))
                     for j, k in alleles.items()}
            chosen = choose_effects(anns, self.fmt, spell)
            src = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
            if chunk.get("record_of") is not None:  # SV rows: back to their records
                src = np.asarray(chunk["record_of"], dtype=np.int64)[src]
            unknown = {term: start + int(src[k]) for term, k in chosen.unknown.items()}
            if chosen.malformed:
                count, k, width = chosen.malformed
                malformed = (count, start + int(src[k]), width)
            cols = {k: pc.take(chosen.columns[k], take) for k in keys}
        chroms = chunk["chrom"] if rows is None else [chunk["chrom"][j] for j in rows]
        poss = np.asarray(chunk["pos"], dtype=np.int64)
        if rows is not None:
            poss = poss[np.asarray(rows, dtype=np.int64)] if len(rows) else poss[:0]
        all_kept = len(idx) == n

        def kept(values: list[str]) -> Any:
            arr = pa.array(values, type=pa.string())
            return arr if all_kept else pc.take(arr, take)

        base = {
            "chrom": kept(chroms),
            "pos": poss[idx],
            "vcf_ref": kept(refs),
            "vcf_alt": kept(alt_of),
            "filter": pc.take(filt_arr, take),
            **cols,
            **_depth_columns(chunk, rows, alleles, idx),
        }
        if self.cohort_samples is not None:
            sample_col: Any = np.asarray(self.cohort_samples, dtype=object)[
                np.asarray(sample_idx, dtype=np.int64)[idx]]
        else:
            sample_col = self.sample_name
        used, dropped, row_records = _record_account(chunk, rows, idx, passed, filters)
        return {"mutations": finish_mutations(sample_col, base), "filtered": filtered,
                "unknown": unknown, "malformed": malformed, "used": used, "dropped": dropped,
                "row_records": start + row_records}

    def _rows(self, chunk: dict[str, Any]) -> tuple[list[int] | None, dict[int, int], list[int]]:
        """(record index per row or None for one row per record, row -> allele
        number at multi-allelic records, cohort sample index per row)."""
        carriers = chunk["carriers"]
        if carriers is None:
            return None, chunk["allele"], []
        multi = chunk["multi"]
        rows, alleles, sample_idx = [], {}, []
        for j, rec in enumerate(carriers):
            for k, allele in rec:
                if j in multi:
                    alleles[len(rows)] = allele
                rows.append(j)
                sample_idx.append(k)
        return rows, alleles, sample_idx


NO_CARRIER = "no sample carries the ALT (no call, or reference only)"
NO_ALT = "no ALT allele"


def _record_account(chunk: dict[str, Any], rows: list[int] | None, idx: Any, passed: Any,
                    filters: Any) -> tuple[int, dict[str, int], Any]:
    """The chunk's records used (a record is used when any of its rows is kept), those
    dropped with their reason, one reason per record, and each kept row's record.

    Rows and records differ: a cohort record gives a row per carrier, a structural
    variant two breakpoint rows, so what is counted here is records, as a VCF has them."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n_chunk = len(chunk["filter"])
    record_of = np.asarray(chunk["record_of"], dtype=np.int64) if chunk.get("record_of") is not None \
        else np.arange(n_chunk, dtype=np.int64)
    row_chunk = np.asarray(rows, dtype=np.int64) if rows is not None else np.arange(n_chunk, dtype=np.int64)
    kept_records = record_of[row_chunk[idx]] if len(idx) else np.zeros(0, dtype=np.int64)
    used = np.zeros(int(record_of.max()) + 1 if n_chunk else 0, dtype=bool)
    used[kept_records] = True
    dropped: dict[str, int] = {}
    if chunk.get("sv_left_out"):
        dropped[LEFT_OUT] = int(chunk["sv_left_out"])
    # The first chunk row of each record that gave no row: its reason, once per record.
    lost = np.flatnonzero(~used[record_of])
    _, first = np.unique(record_of[lost], return_index=True)
    records = lost[first]
    failed = records[~passed[records]]
    if len(failed):
        for d in pc.value_counts(pc.take(filters, pa.array(failed))).to_pylist():
            dropped[filter_reason(d["values"])] = int(d["counts"])
    rest = records[passed[records]].tolist()
    carriers = chunk.get("carriers")
    no_carrier = sum(1 for k in rest if not carriers[k]) if carriers is not None else 0
    if no_carrier:
        dropped[NO_CARRIER] = no_carrier
    if len(rest) - no_carrier:
        dropped[NO_ALT] = len(rest) - no_carrier
    return int(used.sum()), dropped, kept_records


def _depth_columns(chunk: dict[str, Any], rows: list[int] | None, alleles: dict[int, int],
                   idx: Any) -> dict[str, Any]:
    """t_depth, t_ref_count, t_alt_count, t_vaf and the normal's counts of the kept
    rows, by vcf2maf's rules (depth.py) for the row's reported allele."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from .depth import vaf

    texts = chunk.get("columns")
    n = len(idx)
    out = {k: np.full(n, np.nan) for k in ("t_depth", "t_ref_count", "t_alt_count",
                                           "n_depth", "n_ref_count", "n_alt_count")}
    if not texts:
        out["t_vaf"] = np.full(n, np.nan)
        return out
    refs, first_alt, multi = chunk["ref"], chunk["alt"], chunk["multi"]
    kept = idx.tolist()
    if rows is None:
        recs = kept
        keys, tumors, normals = _split_all(texts, idx, all_kept=len(kept) == len(texts))
    else:
        # A cohort row's column: its carrier's, in the order the record lists carriers.
        position, last, k = [], -1, 0
        for j in rows:
            k = k + 1 if j == last else 0
            position.append(k)
            last = j
        recs = [rows[j] for j in kept]
        keys = pa.array([texts[r][0] for r in recs], type=pa.string())
        tumors = pa.array([texts[r][1][position[j]] if texts[r][1] else ""
                           for r, j in zip(recs, kept, strict=True)], type=pa.string())
        normals = pa.array([""] * n, type=pa.string())
    biallelic = np.fromiter((r not in multi for r in recs), dtype=bool, count=n) if multi \
        else np.ones(n, dtype=bool)

    def alleles_of(k: int) -> tuple[list[str], int]:
        r = recs[k]
        return [refs[r], *(multi[r] if r in multi else [first_alt[r]])], alleles.get(kept[k], 1)

    tr = ta = np.full(n, np.nan)
    if n:
        out["t_depth"], tr, ta = count_columns(keys, tumors, biallelic, alleles_of)
        out["t_ref_count"], out["t_alt_count"] = tr, ta
        paired = np.flatnonzero(pc.not_equal(normals, "").to_numpy(zero_copy_only=False))
        if len(paired):
            take = pa.array(paired)
            nd, nr, na = count_columns(keys.take(take), normals.take(take),
                                       biallelic[paired], lambda k: alleles_of(int(paired[k])))
            out["n_depth"][paired], out["n_ref_count"][paired] = nd, nr
            out["n_alt_count"][paired] = na
    out["t_vaf"] = vaf(tr, ta)
    return out


# A captured record text: FORMAT, tumour column, and the normal's after a third tab.
_COLUMNS = r"^(?P<k>[^\t]*)\t(?P<t>[^\t]*)(?:\t(?P<n>[^\t]*))?$"


def _split_all(texts: list[str], idx: Any, all_kept: bool) -> tuple[Any, Any, Any]:
    """:func:`split_columns` of the kept records' texts, in arrow (one regular
    expression over the chunk rather than a split per record)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(texts, type=pa.string())
    if not all_kept:
        arr = arr.take(pa.array(idx))
    parts = pc.extract_regex(arr, _COLUMNS)
    return tuple(pc.fill_null(pc.struct_field(parts, f), "") for f in ("k", "t", "n"))


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


def _refuse_eff_only(vcf: Any) -> None:
    """SnpEff's old EFF field (before SnpEff 4.1, or -formatEff) has neither the
    ANN layout nor VEP's: its records cannot be classified as vcf2maf does."""
    try:
        vcf.get_header_type("EFF")
    except KeyError:
        return
    raise InputError(
        "annotated only with SnpEff's old INFO/EFF field, which vcf2maf does not read: "
        "annotate with SnpEff 4.1 or later (INFO/ANN, without -formatEff) or with VEP (CSQ)")


def _check_undeclared_annotation(path: str, header_lines: int) -> None:
    """An INFO/CSQ or ANN without its header line cannot be split: say so."""
    from cyvcf2 import VCF

    vcf = VCF(path, lazy=True)
    declared = declared_contigs(vcf)
    try:
        for i, v in enumerate(vcf):
            if i >= 1000:
                break
            if unparsed(v, v.CHROM, declared):
                raise InputError(f"line {header_lines + i + 1}: {UNPARSED}")
            for key in ("CSQ", "ANN"):
                if v.INFO.get(key) is not None:
                    raise InputError(
                        f"line {header_lines + i + 1}: INFO/{key} is present but not described "
                        "in the header, so its field order is unknown"
                    )
    except InputError:
        raise
    except Exception:  # a record htslib refused: the main reader reports it with its line
        return
    finally:
        vcf.close()


def _accepted_filters(options: dict[str, Any]) -> tuple[bool, set[str]]:
    values = options["filters"]
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",")]
    values = {str(v) for v in values}
    if "*" in values or "all" in values:
        return True, values
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
