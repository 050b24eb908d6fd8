"""A small reference implementation of vcf2maf's rules, for the parity tests.

Written from mskcc/vcf2maf @ bf53e52d, vcf2maf.pl (the record loop from "Parse
through each variant in the annotated VCF" to GetVariantClassification), not
from the plugin: one record at a time, in plain Python, the way the Perl does
it. The priority tables and the class rules are read from the verbatim excerpt
tests/data/variants/vcf2maf_rules.pl.

Two additions, said where they are, both for VCFs annotated by someone else
than vcf2maf: it runs VEP itself with --allele_number, and keeps the entries of
the tumour's allele by ALLELE_NUM; for annotations without that field (SnpEff,
VEP run without it) the entries are matched on the Allele field instead
(SnpEff writes the ALT allele; VEP its trimmed form). And it runs VEP with
--no_escape; VEP run without it writes '=' in HGVSp as '%3D', read here as '='.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

RULES = Path(__file__).resolve().parent / "data" / "variants" / "vcf2maf_rules.pl"


@cache
def _perl() -> str:
    return RULES.read_text()


@cache
def _table(sub: str) -> dict[str, int]:
    body = _perl()[_perl().index(f"sub {sub}"):]
    body = body[: body.index("\n}\n")]
    table: dict[str, int] = {}
    for key, value in re.findall(r"^\s*'([^']*)'\s*=>\s*(\d+)", body, flags=re.MULTILINE):
        table[key] = int(value)  # a Perl hash keeps the last of a repeated key
    return table


def effect_priority(effect: str) -> int:
    return _table("GetEffectPriority").get(effect, 20)


def biotype_priority(biotype: str) -> int:
    return _table("GetBiotypePriority").get(biotype, 10)


@cache
def _aa3to1() -> dict[str, str]:
    words = re.search(r"my %aa3to1 = qw\((.*?)\);", _perl(), flags=re.DOTALL).group(1).split()
    return dict(zip(words[::2], words[1::2], strict=True))


@cache
def _class_rules() -> list[tuple[str, str]]:
    """GetVariantClassification's `return "X" if( $effect ... )` lines, in order."""
    body = _perl()[_perl().index("sub GetVariantClassification"):]
    return re.findall(r'return "([^"]+)" if\s*\((.*)\);', body)


def variant_classification(effect: str, var_type: str, inframe: bool) -> str:
    if not effect:
        return "Targeted_Region"
    for name, cond in _class_rules():
        if _perl_condition(cond, effect, var_type, inframe):
            return name
    return "Targeted_Region"


def _perl_condition(cond: str, effect: str, var_type: str, inframe: bool) -> bool:
    """Evaluate one of GetVariantClassification's conditions (only the forms it uses)."""
    if "not defined $effect" in cond:
        return not effect
    py = cond
    py = re.sub(r"\$effect =~ /([^/]+)/",
                lambda m: f"bool(re.search(r'{m.group(1)}', effect))", py)
    py = re.sub(r"\$effect eq '([^']+)'", lambda m: f"(effect == '{m.group(1)}')", py)
    py = re.sub(r"\$var_type eq '([^']+)'", lambda m: f"(var_type == '{m.group(1)}')", py)
    py = py.replace("!$inframe", "(not inframe)").replace("$inframe", "inframe")
    return bool(eval(py, {"re": re}, {"effect": effect, "var_type": var_type,
                                       "inframe": inframe}))


def _open(path: Path):
    return gzip.open(path, "rt") if str(path).endswith(".gz") else open(path)


def convert(path: Path, tumor_id: str, normal_id: str | None = None) -> list[dict[str, str]]:
    """The MAF rows vcf2maf would write for a VCF (the columns the tests compare)."""
    rows = []
    fmt: list[str] = []
    tumor_idx = normal_idx = None
    with _open(path) as fh:
        for line in fh:
            m = re.match(r"^##INFO=<ID=(CSQ|ANN).*: '?([^\"']+)[\"']", line)
            if m and not (fmt and m.group(1) == "ANN"):
                fmt = [re.sub(r"\s", "", f) for f in m.group(2).split("|")]
            if line.startswith("##"):
                continue
            cols = line.rstrip("\n").split("\t")
            if line.startswith("#CHROM"):
                for i, name in enumerate(cols[9:]):
                    if name == tumor_id:
                        tumor_idx = i
                    if name == normal_id:
                        normal_idx = i
                continue
            rows.append(_record(cols, fmt, tumor_idx, normal_idx))
    return rows


def _record(cols: list[str], fmt: list[str], tumor_idx: int | None,
            normal_idx: int | None) -> dict[str, str]:
    _chrom, pos, _id, ref, alt, _qual, filt, info_line = cols[:8]
    fmt_keys = cols[8].split(":") if len(cols) > 8 else []
    rest = cols[9:]
    info: dict[str, str] = {}
    for item in info_line.split(";"):
        key, _, value = item.partition("=")
        info.setdefault(key, value)
    alleles = [ref, *alt.split(",")]
    var_idx = 1
    tum = dict(zip(fmt_keys, rest[tumor_idx].split(":"), strict=False)) \
        if tumor_idx is not None else {}
    nrm = dict(zip(fmt_keys, rest[normal_idx].split(":"), strict=False)) \
        if normal_idx is not None else {}
    gt_defined = tum.get("GT") not in (None, ".", "./.")
    if tumor_idx is not None:
        if gt_defined:
            tum_gt = re.split(r"[/|]", tum["GT"])
            var = next((a for a in tum_gt if a != "0"), None)
            if nrm.get("GT") not in (None, ".", "./."):
                nrm_gt = set(re.split(r"[/|]", nrm["GT"]))
                var = next((a for a in tum_gt if a != "0" and a not in nrm_gt), None)
            if var is None or not var.isdigit() or int(var) >= len(alleles):
                var, gt_defined = "1", False
            var_idx = int(var)
        depths = [int(d) if d.isdigit() else 0 for d in tum.get("AD", ".").split(",")] \
            if tum.get("AD", ".") != "." else []
        if not gt_defined:
            for i in range(1, len(depths)):
                if depths[i] and depths[i] > (depths[var_idx] if var_idx < len(depths) else 0):
                    var_idx = i
    var = alleles[var_idx]
    pos_i = int(pos)
    # Remove any prefixed reference bps from all alleles, using "-" for simple indels
    ref_len, var_len = len(ref), len(var)
    while ref and var and ref[0] == var[0] and ref != var:
        ref, var = ref[1:] or "-", var[1:] or "-"
        ref_len, var_len, pos_i = ref_len - 1, var_len - 1, pos_i + 1
    inframe = False
    if ref_len == var_len:
        start = pos_i
        var_type = {1: "SNP", 2: "DNP", 3: "TNP"}.get(var_len, "ONP")
    else:
        if ref_len < var_len:
            start = pos_i - 1 if ref == "-" else pos_i
            var_type = "INS"
        else:
            start, var_type = pos_i, "DEL"
        inframe = abs(ref_len - var_len) % 3 == 0
    effect = _choose_effect(info.get("CSQ") or info.get("ANN") or "", fmt, var_idx, var,
                            alleles)
    if effect is None:
        gene, vclass, short = "Unknown", variant_classification("", var_type, inframe), ""
    else:
        gene = effect["SYMBOL"] or effect.get("Feature", "") or "Unknown"
        vclass = variant_classification(effect["One_Consequence"], var_type, inframe)
        short = effect["HGVSp_Short"]
    return {"Hugo_Symbol": gene, "Variant_Classification": vclass, "Variant_Type": var_type,
            "Start_Position": str(start), "Reference_Allele": ref, "Tumor_Seq_Allele2": var,
            "HGVSp_Short": short, "FILTER": filt or "."}


def _choose_effect(ann_lines: str, fmt: list[str], var_idx: int, var: str,
                   vcf_alleles: list[str]) -> dict[str, str] | None:
    if not ann_lines:
        return None
    effects = []
    for ann_line in ann_lines.split(","):
        fields = ann_line.split("|")
        while fields and fields[-1] == "":  # Perl's split drops trailing empty fields
            fields.pop()
        e = {name: (fields[i] if i < len(fields) else "").replace("&", ",")
             for i, name in enumerate(fmt)}
        for snpeff, vep in (("Annotation", "Consequence"), ("Gene_Name", "SYMBOL"),
                            ("Feature_ID", "Feature"), ("Transcript_BioType", "BIOTYPE"),
                            ("HGVS.c", "HGVSc"), ("HGVS.p", "HGVSp"),
                            ("cDNA.pos/cDNA.length", "cDNA_position")):
            if e.get(snpeff):
                e[vep] = e[snpeff]
        for key in ("Consequence", "SYMBOL", "Feature", "BIOTYPE", "HGVSc", "HGVSp",
                    "cDNA_position", "CANONICAL", "ALLELE_NUM", "Allele"):
            e.setdefault(key, "")
        e["HGVSc"] = re.sub(r"^.*:", "", e["HGVSc"])
        e["HGVSp"] = re.sub(r"^.*:", "", e["HGVSp"]).replace("%3D", "=")  # addition 2
        terms = sorted(e["Consequence"].split(","), key=effect_priority)  # a stable sort
        e["One_Consequence"] = terms[0] if e["Consequence"] else "intergenic_variant"
        short = e["HGVSp"]
        for three, one in _aa3to1().items():
            short = short.replace(three, one)
        e["HGVSp_Short"] = short
        if e["One_Consequence"] in ("splice_acceptor_variant", "splice_donor_variant"):
            m = re.match(r"^c.(\d+)", e["HGVSc"])
            if m:
                c_pos = max(int(m.group(1)), 1)
                e["HGVSp_Short"] = f"p.X{round((c_pos + c_pos % 3) / 3)}_splice"
        m = re.search(r"/(\d+)$", e["cDNA_position"])
        e["Transcript_Length"] = int(m.group(1)) if m else 0
        if e["ALLELE_NUM"] and int(e["ALLELE_NUM"]) != var_idx:
            continue
        effects.append(e)
    if "ALLELE_NUM" not in fmt and len(vcf_alleles) > 2:
        # Addition 1 (see the module docstring): match on the Allele field.
        alt = vcf_alleles[var_idx]
        spellings = {alt, _vep_allele(vcf_alleles, alt)}
        mine = [e for e in effects if e["Allele"] in spellings]
        effects = mine or effects
    effects.sort(key=lambda e: (biotype_priority(e["BIOTYPE"]),
                                effect_priority(e["One_Consequence"]),
                                -e["Transcript_Length"]))
    if not effects:
        return None
    gene = next((e["SYMBOL"] for e in effects if e["SYMBOL"]), None)
    return (next((e for e in effects if e["SYMBOL"] and e["SYMBOL"] == gene
                  and e["CANONICAL"] == "YES"), None)
            or next((e for e in effects if e["SYMBOL"] and e["CANONICAL"] == "YES"), None)
            or effects[0])


def _vep_allele(alleles: list[str], alt: str) -> str:
    """VEP's spelling of an allele in CSQ: the shared first base dropped when
    all alleles share it and differ in length."""
    if len({len(a) for a in alleles}) > 1 and len({a[:1] for a in alleles}) == 1:
        alt = alt[1:]
    return alt or "-"
