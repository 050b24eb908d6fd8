"""Sequence Ontology consequences to MAF classes, exactly as mskcc/vcf2maf does it.

The tables and rules mirror vcf2maf.pl's GetEffectPriority, GetBiotypePriority,
GetVariantType and GetVariantClassification, so that a VCF annotated by VEP and a
MAF written by vcf2maf from the same VCF give the same classes. Pure Python, no
pandas: the parsers call these on distinct values only and map the results.
"""

from __future__ import annotations

import re

# vcf2maf's GetEffectPriority (mskcc/vcf2maf @ bf53e52d): lower is more severe. Perl keeps the
# last of a key listed twice, so protein_altering_variant is 7, inversion 3 and mature_miRNA_variant
# 17, as here. SnpEff's own terms (intergenic_region, gene_fusion, ...) are in the same table.
EFFECT_PRIORITY: dict[str, int] = {
    "transcript_ablation": 1,
    "exon_loss_variant": 1,
    "sequence_feature + exon_loss_variant": 1,
    "feature_ablation": 1,
    "chromosome_number_variation": 1,
    "bidirectional_gene_fusion": 2,
    "duplication": 2,
    "gene_fusion": 2,
    "inversion": 3,
    "splice_donor_variant": 2,
    "splice_acceptor_variant": 2,
    "stop_gained": 3,
    "frameshift_variant": 3,
    "stop_lost": 3,
    "initiator_codon_variant+non_canonical_start_codon": 4,
    "rearranged_at_DNA_level": 4,
    "start_lost": 4,
    "initiator_codon_variant": 4,
    "disruptive_inframe_insertion": 5,
    "disruptive_inframe_deletion": 5,
    "conservative_inframe_insertion": 5,
    "conservative_inframe_deletion": 5,
    "inframe_insertion": 5,
    "inframe_deletion": 5,
    "protein_altering_variant": 7,
    "missense_variant": 6,
    "conservative_missense_variant": 6,
    "rare_amino_acid_variant": 6,
    "transcript_amplification": 7,
    "5_prime_UTR_truncation + exon_loss_variant": 7,
    "protein_protein_contact": 8,
    "3_prime_UTR_truncation + exon_loss": 8,
    "structural_interaction_variant": 8,
    "splice_branch_variant": 8,
    "splice_region_variant": 8,
    "splice_donor_5th_base_variant": 8,
    "splice_donor_region_variant": 8,
    "splice_polypyrimidine_tract_variant": 8,
    "start_retained_variant": 9,
    "stop_retained_variant": 9,
    "synonymous_variant": 9,
    "start_retained": 9,
    "incomplete_terminal_codon_variant": 10,
    "coding_sequence_variant": 11,
    "mature_miRNA_variant": 17,
    "exon_variant": 11,
    "transcript_variant": 11,
    "5_prime_UTR_variant": 12,
    "5_prime_UTR_premature_start_codon_gain_variant": 12,
    "3_prime_UTR_variant": 12,
    "non_coding_exon_variant": 13,
    "non_coding_transcript_exon_variant": 13,
    "non_coding_transcript_variant": 14,
    "nc_transcript_variant": 14,
    "intron_variant": 14,
    "intragenic_variant": 14,
    "INTRAGENIC": 14,
    "NMD_transcript_variant": 15,
    "coding_transcript_variant": 15,
    "upstream_gene_variant": 16,
    "downstream_gene_variant": 16,
    "TFBS_ablation": 17,
    "TFBS_amplification": 17,
    "TF_binding_site_variant": 17,
    "regulatory_region_ablation": 17,
    "regulatory_region_amplification": 17,
    "regulatory_region_variant": 17,
    "regulatory_region": 17,
    "miRNA": 17,
    "feature_elongation": 18,
    "feature_truncation": 18,
    "intergenic_variant": 19,
    "intergenic_region": 19,
    "sequence_feature": 19,
    "conserved_intron_variant": 19,
    "conserved_intergenic_variant": 20,
    "gene_variant": 19,
    "custom": 20,
    "": 20,
}
UNKNOWN_PRIORITY = 20

# vcf2maf"s GetBiotypePriority; an unknown or empty biotype ranks last (10).
_BIOTYPE_GROUPS: dict[int, tuple[str, ...]] = {
    1: ("protein_coding",),
    2: ("LRG_gene", "IG_C_gene", "IG_D_gene", "IG_J_gene", "IG_LV_gene", "IG_V_gene", "TR_C_gene",
        "TR_D_gene", "TR_J_gene", "TR_V_gene"),
    3: ("miRNA", "snRNA", "snoRNA", "ribozyme", "tRNA", "sRNA", "scaRNA", "rRNA", "scRNA",
        "lincRNA", "lncRNA", "bidirectional_promoter_lncrna", "bidirectional_promoter_lncRNA"),
    4: ("known_ncrna", "vaultRNA", "macro_lncRNA", "Mt_tRNA", "Mt_rRNA"),
    5: ("antisense", "antisense_RNA", "sense_intronic", "sense_overlapping",
        "3prime_overlapping_ncrna", "3prime_overlapping_ncRNA", "misc_RNA", "non_coding"),
    6: ("regulatory_region", "disrupted_domain", "processed_transcript",
        "protein_coding_CDS_not_defined", "TEC"),
    7: ("TF_binding_site", "CTCF_binding_site", "promoter_flanking_region", "enhancer",
        "promoter", "open_chromatin_region", "retained_intron", "nonsense_mediated_decay",
        "non_stop_decay", "ambiguous_orf"),
    8: ("pseudogene", "processed_pseudogene", "polymorphic_pseudogene", "retrotransposed",
        "translated_processed_pseudogene", "translated_unprocessed_pseudogene",
        "transcribed_processed_pseudogene", "transcribed_unprocessed_pseudogene",
        "transcribed_unitary_pseudogene", "unitary_pseudogene", "unprocessed_pseudogene",
        "Mt_tRNA_pseudogene", "tRNA_pseudogene", "snoRNA_pseudogene", "snRNA_pseudogene",
        "scRNA_pseudogene", "rRNA_pseudogene", "misc_RNA_pseudogene", "miRNA_pseudogene",
        "IG_C_pseudogene", "IG_D_pseudogene", "IG_J_pseudogene", "IG_V_pseudogene",
        "TR_J_pseudogene", "TR_V_pseudogene"),
    9: ("artifact",),
}
BIOTYPE_PRIORITY: dict[str, int] = {b: p for p, names in _BIOTYPE_GROUPS.items() for b in names}
UNKNOWN_BIOTYPE_PRIORITY = 10

# maftools' default non-synonymous classes: what the oncoplot and TMB count.
NONSYNONYMOUS: tuple[str, ...] = (
    "Frame_Shift_Del",
    "Frame_Shift_Ins",
    "Splice_Site",
    "Translation_Start_Site",
    "Nonsense_Mutation",
    "Nonstop_Mutation",
    "In_Frame_Del",
    "In_Frame_Ins",
    "Missense_Mutation",
)

SNV_CLASSES: tuple[str, ...] = ("C>A", "C>G", "C>T", "T>A", "T>C", "T>G")
_COMPLEMENT = str.maketrans("ACGT", "TGCA")
_TRANSITIONS = {"C>T", "T>C"}

# vcf2maf's %aa3to1 (it has no Sec or Pyl: those stay three-letter, as in its MAFs).
_AA3TO1 = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Asx": "B", "Cys": "C", "Glu": "E",
    "Gln": "Q", "Glx": "Z", "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K",
    "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y",
    "Val": "V", "Xxx": "X", "Ter": "*",
}
_AA_RE = re.compile("|".join(_AA3TO1))
_CPOS_RE = re.compile(r"^c.(\d+)")  # vcf2maf: m/^c.(\d+)/ (no negative positions)


def split_terms(consequence: str) -> list[str]:
    """A consequence field ('a&b' in VCFs, 'a,b' in MAFs) as a list of terms."""
    return [t for t in re.split(r"[&,]", consequence or "") if t]


def unknown_terms(consequence: str) -> list[str]:
    return [t for t in split_terms(consequence) if t not in EFFECT_PRIORITY]


def worst_effect(consequence: str) -> str:
    """The most severe term, ties to the first listed (Perl's sort is stable); an
    empty consequence is intergenic_variant, as vcf2maf makes it."""
    terms = split_terms(consequence)
    if not terms:
        return "intergenic_variant"
    return min(terms, key=lambda t: EFFECT_PRIORITY.get(t, UNKNOWN_PRIORITY))


def effect_priority(consequence: str) -> int:
    return EFFECT_PRIORITY.get(worst_effect(consequence), UNKNOWN_PRIORITY)


def biotype_priority(biotype: str) -> int:
    return BIOTYPE_PRIORITY.get(biotype or "", UNKNOWN_BIOTYPE_PRIORITY)


def trim_alleles(ref: str, alt: str) -> tuple[str, str, int]:
    """VCF alleles as MAF alleles, as vcf2maf does it: drop every shared leading
    base (of substitutions too), '-' for an empty allele. Returns (ref, alt,
    number of bases dropped)."""
    n = 0
    while ref and alt and ref != alt and ref[0] == alt[0]:
        ref, alt, n = ref[1:], alt[1:], n + 1
        if not ref or not alt:
            break
    return ref or "-", alt or "-", n


def variant_type(ref: str, alt: str) -> str:
    """vcf2maf's GetVariantType on MAF-style alleles ('-' for none)."""
    ref = "" if ref in ("-", "?", "0") else ref
    alt = "" if alt in ("-", "?", "0") else alt
    lr, la = len(ref), len(alt)
    if lr == la:
        return {1: "SNP", 2: "DNP", 3: "TNP"}.get(lr, "ONP") if lr else ""
    return "INS" if lr < la else "DEL"


def is_inframe(ref: str, alt: str) -> bool:
    ref = "" if ref == "-" else ref
    alt = "" if alt == "-" else alt
    return abs(len(ref) - len(alt)) % 3 == 0


def classify_effect(effect: str, var_type: str, inframe: bool) -> str:
    """vcf2maf's GetVariantClassification for one (worst) effect, as it is today:
    newer splice terms (splice_donor_5th_base_variant, ...) and start_retained_variant
    fall through to Targeted_Region there, and so they do here."""
    if not effect:
        return "Targeted_Region"
    if effect in ("splice_acceptor_variant", "splice_donor_variant", "transcript_ablation",
                  "exon_loss_variant"):
        return "Splice_Site"
    if effect == "stop_gained":
        return "Nonsense_Mutation"
    frameshift = effect == "frameshift_variant" or (
        effect == "protein_altering_variant" and not inframe
    )
    if frameshift and var_type == "DEL":
        return "Frame_Shift_Del"
    if frameshift and var_type == "INS":
        return "Frame_Shift_Ins"
    if effect == "stop_lost":
        return "Nonstop_Mutation"
    if effect in ("initiator_codon_variant", "start_lost"):
        return "Translation_Start_Site"
    # Perl's /inframe_insertion$/ also takes conservative_ and disruptive_inframe_insertion.
    if effect.endswith("inframe_insertion") or (
        effect == "protein_altering_variant" and inframe and var_type == "INS"
    ):
        return "In_Frame_Ins"
    if effect.endswith("inframe_deletion") or (
        effect == "protein_altering_variant" and inframe and var_type == "DEL"
    ):
        return "In_Frame_Del"
    if effect in ("missense_variant", "coding_sequence_variant", "conservative_missense_variant",
                  "rare_amino_acid_variant"):
        return "Missense_Mutation"
    if effect in ("transcript_amplification", "intron_variant", "INTRAGENIC",
                  "intragenic_variant"):
        return "Intron"
    if effect == "splice_region_variant":
        return "Splice_Region"
    if effect in ("incomplete_terminal_codon_variant", "synonymous_variant",
                  "stop_retained_variant", "NMD_transcript_variant"):
        return "Silent"
    if effect in ("mature_miRNA_variant", "exon_variant", "non_coding_exon_variant",
                  "non_coding_transcript_exon_variant", "non_coding_transcript_variant",
                  "nc_transcript_variant"):
        return "RNA"
    if effect in ("5_prime_UTR_variant", "5_prime_UTR_premature_start_codon_gain_variant"):
        return "5'UTR"
    if effect == "3_prime_UTR_variant":
        return "3'UTR"
    if effect in ("TF_binding_site_variant", "regulatory_region_variant", "regulatory_region",
                  "intergenic_variant", "intergenic_region"):
        return "IGR"
    if effect == "upstream_gene_variant":
        return "5'Flank"
    if effect == "downstream_gene_variant":
        return "3'Flank"
    return "Targeted_Region"


def classify(consequence: str, ref: str, alt: str) -> tuple[str, str]:
    """(Variant_Classification, Variant_Type) for one transcript's consequence
    and the variant's MAF-style alleles."""
    vtype = variant_type(ref, alt)
    return classify_effect(worst_effect(consequence), vtype, is_inframe(ref, alt)), vtype


# The effects for which vcf2maf writes p.X<n>_splice (not the other Splice_Site effects).
SPLICE_SITE_EFFECTS = ("splice_acceptor_variant", "splice_donor_variant")


def hgvsp_short(hgvsp: str, hgvsc: str = "", effect: str = "") -> str:
    """vcf2maf's HGVSp_Short: one-letter amino acids, and p.X<n>_splice when the
    effect is a splice acceptor/donor, from the coding position in HGVSc."""
    short = ""
    if hgvsp:
        hgvsp = hgvsp.replace("%3D", "=")
        if ":" in hgvsp:  # vcf2maf: s/^.*:// (up to the last colon, as the column version does)
            hgvsp = hgvsp.rsplit(":", 1)[1]
        short = _AA_RE.sub(lambda m: _AA3TO1[m.group(0)], hgvsp)
    if effect in SPLICE_SITE_EFFECTS and hgvsc:
        m = _CPOS_RE.match(hgvsc.split(":", 1)[-1])
        if m:
            c_pos = max(int(m.group(1)), 1)  # vcf2maf: $c_pos = 1 if( $c_pos < 1 )
            # Perl's sprintf("%.0f") rounds half to even, as Python's round does.
            short = f"p.X{round((c_pos + c_pos % 3) / 3)}_splice"
    return short


def snv_class(ref: str, alt: str) -> str | None:
    """The strand-collapsed substitution class (G>A is C>T), or None for non-SNVs."""
    if len(ref) != 1 or len(alt) != 1 or ref == alt:
        return None
    ref, alt = ref.upper(), alt.upper()
    if ref in "GA":
        ref, alt = ref.translate(_COMPLEMENT), alt.translate(_COMPLEMENT)
    cls = f"{ref}>{alt}"
    return cls if cls in SNV_CLASSES else None


def is_transition(cls: str) -> bool:
    return cls in _TRANSITIONS
