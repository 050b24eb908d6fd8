# Writes protein_domains.tsv: the protein domains of the example panel's genes, from
# maftools' inst/extdata/protein_domains.RDs (PoisonAlien/maftools @ c8ff3283, MIT).
# For each gene, the longest protein (maftools' lollipopPlot draws the longest isoform
# when no RefSeq id is given), ties broken by RefSeq id.
# Usage: Rscript make_protein_domains.R protein_domains.RDs panel.bed protein_domains.tsv
args <- commandArgs(trailingOnly = TRUE)
d <- as.data.frame(readRDS(args[1]))[, c(1:8)]
genes <- unique(read.table(args[2], sep = "\t", header = FALSE, quote = "")[[4]])
d <- d[d$HGNC %in% genes & !is.na(d$Start) & !is.na(d$End) & !is.na(d$aa.length), ]
d <- d[order(d$HGNC, -d$aa.length, d$refseq.ID, d$Start, d$End), ]
chosen <- d[!duplicated(d$HGNC), c("HGNC", "refseq.ID")]
d <- merge(d, chosen, by = c("HGNC", "refseq.ID"))
d <- d[order(d$HGNC, d$Start, d$End, d$Label), ]
out <- data.frame(gene = d$HGNC, protein_length = d$aa.length, domain = d$Label,
                  start = d$Start, end = d$End,
                  source = paste0("maftools protein_domains (", d$refseq.ID, ")"))
write.table(out, args[3], sep = "\t", quote = FALSE, row.names = FALSE)
