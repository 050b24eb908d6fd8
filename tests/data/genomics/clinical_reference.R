# Mutated against wild-type survival (survival::survdiff) and clinical enrichment (fisher.test,
# maftools' clinicalEnrichment groupwise test), computed from maftools' TCGA LAML MAF and its
# clinical annotation with base R and the survival package only (no maftools): what
# tests/test_genomics_clinical.py holds the plugin to. Run from the repository root:
#   Rscript tests/data/genomics/clinical_reference.R > tests/data/genomics/clinical_tcga_laml.tsv
# Patients: the MAF's samples that the annotation lists (a sample is its patient); mutated when
# the patient has a row of maftools' default non-synonymous classes. Genes: the 5 most mutated
# (samples, then rows, then name). Survival: days_to_last_followup and Overall_Survival_Status,
# a time that is not finite (-Inf) left out. Enrichment: each FAB_classification level against
# the other patients with a level (NA left out); q by BH over every row.
suppressMessages(library(survival))
nonsyn <- c("Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site", "Translation_Start_Site",
            "Nonsense_Mutation", "Nonstop_Mutation", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation")
con <- gzfile("tests/data/variants/maftools_tcga_laml.maf.gz")
maf <- read.delim(con, stringsAsFactors = FALSE, quote = "")
annot <- read.delim("tests/data/genomics/maftools_tcga_laml_annot.tsv", stringsAsFactors = FALSE,
                    na.strings = "NA")
ns <- maf[maf$Variant_Classification %in% nonsyn, ]
carriers <- tapply(ns$Tumor_Sample_Barcode, ns$Hugo_Symbol, function(s) length(unique(s)))
rows <- table(ns$Hugo_Symbol)[names(carriers)]
genes <- names(carriers)[order(-carriers, -rows, names(carriers))][1:5]
pts <- annot[annot$Tumor_Sample_Barcode %in% unique(maf$Tumor_Sample_Barcode), ]
cat(sprintf("# %s; survival %s; %d patients\n", R.version.string, packageVersion("survival"), nrow(pts)))
cat("kind\tgene\tlevel\tlevel_mutated\tlevel_n\trest_mutated\trest_n\tstatistic\todds_ratio\tp_value\tq_value\n")
time <- suppressWarnings(as.numeric(pts$days_to_last_followup))
for (g in genes) {
  mutated <- pts$Tumor_Sample_Barcode %in% ns$Tumor_Sample_Barcode[ns$Hugo_Symbol == g]
  ok <- is.finite(time) & !is.na(pts$Overall_Survival_Status)
  d <- survdiff(Surv(time[ok], pts$Overall_Survival_Status[ok]) ~ mutated[ok])
  cat(sprintf("survdiff\t%s\t\t%d\t%d\t\t\t%.15g\t\t%.15g\t\n", g, sum(mutated[ok]), sum(ok), d$chisq,
              pchisq(d$chisq, 1, lower.tail = FALSE)))
}
fab <- pts$FAB_classification
out <- NULL
for (g in genes) {
  mutated <- pts$Tumor_Sample_Barcode %in% ns$Tumor_Sample_Barcode[ns$Hugo_Symbol == g]
  known <- !is.na(fab)
  for (level in sort(unique(fab[known]))) {
    here <- fab[known] == level
    m <- mutated[known]
    tab <- matrix(c(sum(m & here), sum(!m & here), sum(m & !here), sum(!m & !here)), 2)  # Mutant/WT x level/Other
    f <- fisher.test(tab)
    out <- rbind(out, data.frame(gene = g, level = level, level_mutated = tab[1, 1], level_n = sum(here),
                                 rest_mutated = tab[1, 2], rest_n = sum(!here), odds_ratio = unname(f$estimate),
                                 p_value = f$p.value))
  }
}
out$q_value <- p.adjust(out$p_value, method = "BH")
for (i in seq_len(nrow(out))) with(out[i, ], cat(sprintf("fisher\t%s\t%s\t%d\t%d\t%d\t%d\t\t%.15g\t%.15g\t%.15g\n",
  gene, level, level_mutated, level_n, rest_mutated, rest_n, odds_ratio, p_value, q_value)))
