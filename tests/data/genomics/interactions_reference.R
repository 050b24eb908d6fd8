# Pairwise Fisher's exact tests of maftools' somaticInteractions, computed from the MAF with
# base R only (no maftools): what tests/test_genomics_interactions.py holds the plugin to.
# Run from the repository root:
#   Rscript tests/data/genomics/interactions_reference.R > tests/data/genomics/interactions_APL_primary.tsv
# The universe is every Tumor_Sample_Barcode of the MAF (as maftools' sample levels; three
# samples have only rows without a position, which the reader skips); a sample is mutated in a gene when it has a row of maftools' default
# non-synonymous classes. Genes: the 10 most mutated (samples, then rows, then name).
nonsyn <- c("Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site", "Translation_Start_Site",
            "Nonsense_Mutation", "Nonstop_Mutation", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation")
con <- gzfile("tests/data/variants/maftools_APL_primary.maf.gz")
lines <- readLines(con, warn = FALSE)  # CR line ends
close(con)
maf <- read.delim(text = lines, comment.char = "#", stringsAsFactors = FALSE, quote = "")
samples <- unique(maf$Tumor_Sample_Barcode)  # all of the file's, as maftools' sample levels
maf <- maf[!is.na(suppressWarnings(as.integer(maf$Start_Position))), ]  # the rows the reader keeps
ns <- maf[maf$Variant_Classification %in% nonsyn, ]
carriers <- tapply(ns$Tumor_Sample_Barcode, ns$Hugo_Symbol, function(s) length(unique(s)))
rows <- table(ns$Hugo_Symbol)[names(carriers)]
genes <- names(carriers)[order(-carriers, -rows, names(carriers))][1:10]
mut <- sapply(genes, function(g) samples %in% ns$Tumor_Sample_Barcode[ns$Hugo_Symbol == g])
out <- NULL
for (i in 1:(length(genes) - 1)) for (j in (i + 1):length(genes)) {
  a <- mut[, i]; b <- mut[, j]
  f <- tryCatch(fisher.test(factor(a, c(FALSE, TRUE)), factor(b, c(FALSE, TRUE))), error = function(e) NULL)
  out <- rbind(out, data.frame(gene_a = genes[i], gene_b = genes[j], both = sum(a & b), a_only = sum(a & !b),
                               b_only = sum(!a & b), neither = sum(!a & !b),
                               odds_ratio = if (is.null(f)) NA else unname(f$estimate),
                               p_value = if (is.null(f)) NA else f$p.value))
}
out$q_value <- p.adjust(out$p_value, method = "BH")
cat(sprintf("# %s; %d samples\n", R.version.string, length(samples)))
write.table(format(out, digits = 15), stdout(), sep = "\t", quote = FALSE, row.names = FALSE)
