"""Writes the per-caller depth fixtures of this folder (synthetic records, the
FORMAT fields each caller writes, a VEP CSQ from tests/variants_helpers.csq).
Run from the repository root: python tests/data/variants/depth/make_vcfs.py"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))
from variants_helpers import VEP_FORMAT, csq  # noqa: E402

FORMATS = {
    "GT": ("1", "String"), "AD": (".", "Integer"), "DP": ("1", "Integer"),
    "RO": ("1", "Integer"), "AO": ("A", "Integer"), "RD": ("1", "Integer"),
    "FREQ": ("1", "String"), "DP4": ("4", "Integer"), "AU": ("2", "Integer"),
    "CU": ("2", "Integer"), "GU": ("2", "Integer"), "TU": ("2", "Integer"),
    "TAR": ("2", "Integer"), "TIR": ("2", "Integer"), "TOR": ("2", "Integer"),
    "BCOUNT": ("4", "Integer"), "FAZ": ("1", "Integer"), "FCZ": ("1", "Integer"),
    "FGZ": ("1", "Integer"), "FTZ": ("1", "Integer"), "RAZ": ("1", "Integer"),
    "RCZ": ("1", "Integer"), "RGZ": ("1", "Integer"), "RTZ": ("1", "Integer"),
    "RR": ("1", "Integer"), "RV": ("1", "Integer"), "DR": ("1", "Integer"),
    "DV": ("1", "Integer"), "PP": ("1", "Integer"), "NP": ("1", "Integer"),
    "PR": ("1", "Integer"), "NR": ("1", "Integer"), "FA": ("A", "Float"),
}


def vep_allele(ref: str, alt: str, alts: list[str]) -> str:
    alleles = [ref, *alts]
    if len({len(a) for a in alleles}) > 1 and len({a[:1] for a in alleles}) == 1:
        alt = alt[1:]
    return alt or "-"


def record(pos: int, ref: str, alt: str, fmt: str, tumor: str, normal: str,
           info: str = "") -> str:
    alts = alt.split(",")
    ann = ",".join(csq(vep_allele(ref, a, alts), "missense_variant" if len(a) == len(ref)
                       else "frameshift_variant", "GENE1", hgvsp="")
                   for a in alts)
    info = f"{info};CSQ={ann}" if info else f"CSQ={ann}"
    return f"1\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t{info}\t{fmt}\t{tumor}\t{normal}"


FIXTURES = {
    # AD per allele, then the edge cases of vcf2maf's AD handling.
    "ad": [
        (100, "A", "C", "GT:AD:DP", "0/1:30,12:42", "0/0:40,0:40"),
        (110, "A", "G", "GT:AD:DP", "0/1:30,20:45", "0/0:35,2:30"),  # sum > DP
        (120, "C", "T", "GT:AD:DP", "0/1:18,6:.", "0/0:22,0:."),  # no DP: the sum
        (130, "G", "A", "GT:AD:DP", "0/1:.:25", "0/0:.:30"),  # AD '.'
        (140, "T", "C", "GT:AD:DP", "0/1:9:33", "0/0:0:28"),  # one value: the ALT's
        (150, "A", "T", "GT:AD:DP", "0/1:10,5,3:20", "0/0:12,0,0:12"),  # not one per allele
        (160, "A", "C,T", "GT:AD:DP", "0/2:10,1,7:18", "0/0:15,0,0:15"),  # second ALT
        (170, "A", "C,T", "GT:AD:DP", "./.:10,2,9:21", "./.:14,0,0:14"),  # GT unset: deepest
        (180, "CAG", "C", "GT:AD:DP", "0/1:25,5:30", "0/0:31,0:31"),
    ],
    "freebayes": [
        (200, "A", "C", "GT:DP:RO:AO", "0/1:40:28:12", "0/0:38:38:0"),
        (210, "G", "T,C", "GT:DP:RO:AO", "0/2:33:20:4,9", "0/0:30:30:0,0"),
        (220, "T", "TA", "GT:DP:RO:AO", "0/1:.:15:6", "0/0:.:20:0"),
        (230, "C", "G", "GT:DP:RO:AO", "0/1:10:8:7", "0/0:12:12:0"),  # RO+AO > DP
    ],
    "strelka_snv": [
        (300, "A", "C", "DP:FDP:SDP:SUBDP:AU:CU:GU:TU",
         "50:0:0:0:30,31:18,19:1,1:0,0", "45:0:0:0:44,45:0,0:0,0:1,1"),
        (310, "G", "A", "DP:FDP:SDP:SUBDP:AU:CU:GU:TU",
         "40:0:0:0:10,11:0,0:29,30:0,0", "38:0:0:0:0,0:0,0:38,38:0,0"),
        (320, "T", "C,G", "DP:FDP:SDP:SUBDP:AU:CU:GU:TU",
         "60:0:0:0:0,0:12,12:30,31:18,18", "50:0:0:0:0,0:0,0:1,1:49,49"),
    ],
    "strelka_indel": [
        (400, "AT", "A", "DP:DP2:TAR:TIR:TOR:DP50:FDP50:SUBDP50",
         "44:44:30,31:12,13:2,2:40.1:0.0:0.0", "40:40:39,40:0,0:1,1:38.5:0.0:0.0"),
        (410, "C", "CGT", "DP:DP2:TAR:TIR:TOR:DP50:FDP50:SUBDP50",
         "30:30:20,22:9,9:1,1:29.0:0.0:0.0", "33:33:33,33:0,0:0,0:31.0:0.0:0.0"),
    ],
    "varscan": [
        (500, "A", "G", "GT:GQ:DP:RD:AD:FREQ:DP4",
         "0/1:99:52:30:22:42.31%:15,15,11,11", "0/0:99:48:48:0:0%:24,24,0,0"),
        (510, "C", "A", "GT:GQ:DP:RD:AD:FREQ:DP4",
         "0/1:80:20:15:10:40%:8,7,5,5", "0/0:80:25:25:0:0%:12,13,0,0"),  # RD+AD > DP
    ],
    "dp4": [
        (600, "A", "T", "GT:DP:DP4", "0/1:40:12,13,8,7", "0/0:35:18,17,0,0"),
        (610, "G", "C", "GT:DP:DP4", "0/1:.:5,6,2,3", "0/0:.:9,9,0,0"),  # no DP: the sum
    ],
    "dp_only": [
        (700, "A", "G", "GT:DP", "0/1:37", "0/0:41"),
        (710, "T", "C", "GT:DP", "0/1:.", "0/0:."),
    ],
    "somaticsniper": [
        (800, "A", "G", "GT:DP:BCOUNT", "0/1:30:18,0,12,0", "0/0:28:28,0,0,0"),
        (810, "C", "T", "GT:DP:BCOUNT", "0/1:25:0,14,0,11", "0/0:22:0,22,0,0"),
    ],
    "caveman": [
        (900, "A", "C", "GT:FAZ:FCZ:FGZ:FTZ:RAZ:RCZ:RGZ:RTZ",
         "0/1:10:4:0:0:11:5:0:0", "0/0:15:0:0:0:14:0:0:0"),
    ],
    "delly": [
        (1000, "G", "<DEL>", "GT:DR:DV:RR:RV", "0/1:20:6:25:9", "0/0:22:0:30:0"),
    ],
    # Structural variants with INFO/SVTYPE: vcf2maf splits BND/TRA/DEL/DUP/INV with a
    # symbolic or breakend ALT into two breakpoint rows; others pass unchanged.
    "sv": [
        (1000, "G", "<DEL>", "GT:DR:DV:RR:RV", "0/1:20:6:25:9", "0/0:22:0:30:0",
         "SVTYPE=DEL;END=1500"),
        (2000, "A", "A]2:3000]", "GT:DR:DV:RR:RV", "0/1:18:7:20:8", "0/0:25:0:26:0",
         "SVTYPE=BND;CHR2=2;END=3000"),
        (4000, "T", "<INS>", "GT:DR:DV:RR:RV", "0/1:15:5:16:6", "0/0:20:0:21:0",
         "SVTYPE=INS;END=4000"),
        (5000, "ACGTA", "A", "GT:AD:DP", "0/1:20,8:28", "0/0:30,0:30", "SVTYPE=DEL;END=5004"),
        (6000, "C", "<DUP>", "GT:DR:DV:RR:RV", "0/1:30:9:31:10", "0/0:28:0:29:0",
         "SVTYPE=DUP;END=6800"),
    ],
    "cgppindel": [
        (1100, "CTT", "C", "GT:PP:NP:PR:NR", "0/1:5:4:30:28", "0/0:0:0:25:27"),
    ],
    "fa": [
        (1200, "A", "G", "GT:AD:DP:FA", "0/1:20,10:30:0.333", "0/0:25,0:25:0.0"),
        (1210, "C", "A", "GT:DP:FA", "0/1:30:0.25", "0/0:20:0.0"),  # 7.5 rounds to 8
        (1220, "T", "G", "GT:DP:FA", "0/1:10:0.25", "0/0:12:0.0"),  # 2.5 rounds to 2
    ],
    "dv": [
        (1300, "A", "C", "GT:DP:DV", "0/1:35:11", "0/0:30:0"),
    ],
}


def write(name: str, rows: list[tuple]) -> None:
    tags = []
    for row in rows:
        for t in row[3].split(":"):
            if t not in tags:
                tags.append(t)
    lines = ["##fileformat=VCFv4.2", '##FILTER=<ID=PASS,Description="All filters passed">',
             "##contig=<ID=1,length=248956422>",
             '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
             f'Ensembl VEP. Format: {VEP_FORMAT}">']
    if any("<" in r[2] for r in rows):
        lines += [f'##ALT=<ID={k},Description="{k}">' for k in ("DEL", "INS", "DUP")
                  if any(f"<{k}>" in r[2] for r in rows)]
    if any(len(r) > 6 for r in rows):
        lines += ['##INFO=<ID=SVTYPE,Number=1,Type=String,Description="SV type">',
                  '##INFO=<ID=END,Number=1,Type=Integer,Description="End">',
                  '##INFO=<ID=CHR2,Number=1,Type=String,Description="Mate chromosome">',
                  "##contig=<ID=2,length=242193529>"]
    for t in tags:
        number, kind = FORMATS.get(t, ("1", "String"))
        lines.append(f'##FORMAT=<ID={t},Number={number},Type={kind},Description="{t}">')
    lines.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\tNORMAL")
    lines += [record(*r) for r in rows]
    (HERE / f"{name}.vcf").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    for fixture, records in FIXTURES.items():
        write(fixture, records)
