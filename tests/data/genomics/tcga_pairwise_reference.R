# tcgaCompare's pairwise t-test (maftools @ c8ff3283, R/tcgacompare.R, with capture_size):
# every TCGA MC3 sample's non-synonymous count over the 35.8 Mb exome target, this cohort's
# values per Mb beside them, then R's pairwise.t.test (pooled SD, two-sided) with FDR.
# Run from the repository root: Rscript tests/data/genomics/tcga_pairwise_reference.R
tcga <- read.delim(gzfile("plugins/genomics/data/tcga_cohort.txt.gz"), stringsAsFactors = FALSE)
tcga <- data.frame(cohort = tcga$cohort, value = as.numeric(tcga$total) / 35.8)
tcga <- tcga[!is.na(tcga$value), ]
# A hand-chosen cohort of six samples (mutations per Mb), as a panel cohort has.
own <- data.frame(cohort = "This cohort", value = c(0.8, 1.2, 1.9, 0.6, 2.4, 14.5))
all <- rbind(tcga, own)
adjusted <- pairwise.t.test(all$value, all$cohort, p.adjust.method = "fdr")$p.value
raw <- pairwise.t.test(all$value, all$cohort, p.adjust.method = "none")$p.value
cat("# cohort_a\tcohort_b\tp_value\tq_value\n")
for (a in rownames(raw)) for (b in colnames(raw)) {
  if (!is.na(raw[a, b])) cat(sprintf("%s\t%s\t%.10g\t%.10g\n", a, b, raw[a, b], adjusted[a, b]))
}
