# Reference numbers for tests/test_survival_vs_r.py, from R's survival package.
# Run from this folder:  Rscript km_reference.R > km_reference.out
# It also writes the package's own data sets (lung, veteran, ovarian, aml) as CSV,
# unchanged, for the tests to read (write.csv, row.names = FALSE).
suppressMessages(library(survival))
cat("# survival", as.character(packageVersion("survival")), "\n")
data(cancer, package = "survival")
write.csv(lung, "lung.csv", row.names = FALSE)
write.csv(veteran, "veteran.csv", row.names = FALSE)
write.csv(ovarian, "ovarian.csv", row.names = FALSE)
write.csv(aml, "aml.csv", row.names = FALSE)
# A group of one patient, and a group whose curve reaches 0 before its last censoring.
tiny <- data.frame(time = c(118, 5, 8, 8, 12, 20), status = c(1, 1, 1, 0, 1, 0),
                   arm = c("A", "B", "B", "B", "B", "B"))
# The example run's five patients (survival_patients.tsv of its report): the PFS curve
# is exactly 50% from 4 to 6 months.
example <- data.frame(os_time = c(9, 3, 9, 4.9281314168377826, 0.8213552361396304),
                      os_event = c(1, 1, 1, 0, 0),
                      pfs_time = c(6, 3, 4, 4.9281314168377826, 0.8213552361396304),
                      pfs_event = c(1, 1, 1, 0, 0))

show <- function(name, fit, conf) {
  q <- quantile(fit, probs = 0.5)
  s <- summary(fit)$table
  if (is.null(dim(s))) s <- t(as.matrix(s))
  groups <- if (is.null(fit$strata)) "all" else names(fit$strata)
  for (i in seq_along(groups)) {
    cat(sprintf("median\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", name, conf, groups[i],
                as.integer(s[i, "n.max"]), as.integer(s[i, "events"]),
                format(as.numeric(q$quantile)[i], digits = 10),
                format(as.numeric(q$lower)[i], digits = 10),
                format(as.numeric(q$upper)[i], digits = 10)))
  }
}
at <- function(name, fit, conf, times) {
  s <- summary(fit, times = times, extend = TRUE)
  strata <- if (is.null(s$strata)) rep("all", length(s$time)) else as.character(s$strata)
  for (i in seq_along(s$time)) {
    cat(sprintf("at\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, conf, strata[i], format(s$time[i]),
                format(s$surv[i], digits = 10), format(s$lower[i], digits = 10),
                format(s$upper[i], digits = 10)))
  }
}
for (conf in c("log-log", "log")) {
  f <- survfit(Surv(time, status) ~ 1, data = lung, conf.type = conf); show("lung", f, conf)
  at("lung", f, conf, c(180, 365, 730))
  f <- survfit(Surv(time, status) ~ sex, data = lung, conf.type = conf); show("lung", f, conf)
  f <- survfit(Surv(time, status) ~ trt, data = veteran, conf.type = conf); show("veteran", f, conf)
  at("veteran", f, conf, c(30, 90, 365, 900))
  f <- survfit(Surv(futime, fustat) ~ rx, data = ovarian, conf.type = conf); show("ovarian", f, conf)
  f <- survfit(Surv(time, status) ~ x, data = aml, conf.type = conf); show("aml", f, conf)
  f <- survfit(Surv(time, status) ~ arm, data = tiny, conf.type = conf); show("tiny", f, conf)
  at("tiny", f, conf, c(10, 15, 19))
  show("example_os", survfit(Surv(os_time, os_event) ~ 1, data = example, conf.type = conf), conf)
  show("example_pfs", survfit(Surv(pfs_time, pfs_event) ~ 1, data = example, conf.type = conf), conf)
}
lr <- function(name, formula, data) {
  d <- survdiff(formula, data = data)
  p <- pchisq(d$chisq, length(d$n) - 1, lower.tail = FALSE)
  cat(sprintf("logrank\t%s\t%s\t%s\n", name, format(d$chisq, digits = 10), format(p, digits = 10)))
}
lr("lung", Surv(time, status) ~ sex, lung)
lr("veteran", Surv(time, status) ~ trt, veteran)
lr("ovarian", Surv(futime, fustat) ~ rx, ovarian)
lr("aml", Surv(time, status) ~ x, aml)

# cBioPortal's test study (tests/data/clinical/cbioportal_study_es_0), as cBioPortal's
# users read it in R: '#' header lines skipped, [Not Available] and blanks missing,
# the status's leading code as the event.
es0 <- read.delim("../clinical/cbioportal_study_es_0/data_clinical_patients.txt", comment.char = "#",
                  na.strings = c("", "[Not Available]"))
es0$os_event <- as.integer(substr(es0$OS_STATUS, 1, 1))
es0$dfs_event <- as.integer(substr(es0$DFS_STATUS, 1, 1))
cat(sprintf("count\tes0\tpatients\t%d\n", nrow(es0)))
for (conf in c("log-log", "log")) {
  show("es0_os", survfit(Surv(OS_MONTHS, os_event) ~ 1, data = es0, conf.type = conf), conf)
  show("es0_dfs", survfit(Surv(DFS_MONTHS, dfs_event) ~ 1, data = es0, conf.type = conf), conf)
}

# Table 1 of lung by sex, with the tests gtsummary chooses: Wilcoxon rank-sum (R's
# Mann-Whitney) for numbers, Fisher's exact test when an expected count is below 5,
# else Pearson's chi-square without continuity correction.
cat(sprintf("table1\tlung\tage\twilcox\t%s\n", format(wilcox.test(age ~ sex, data = lung, exact = FALSE)$p.value, digits = 10)))
cat(sprintf("table1\tlung\tmeal.cal\twilcox\t%s\n", format(wilcox.test(meal.cal ~ sex, data = lung, exact = FALSE)$p.value, digits = 10)))
tab <- table(lung$ph.ecog, lung$sex)
cat(sprintf("table1\tlung\tph.ecog\tfisher\t%s\n", format(fisher.test(tab)$p.value, digits = 10)))
cat(sprintf("table1\tlung\tstatus\tchisq\t%s\n", format(chisq.test(table(lung$status, lung$sex), correct = FALSE)$p.value, digits = 10)))
cat(sprintf("table1\tveteran\tkarno\tkruskal\t%s\n", format(kruskal.test(karno ~ celltype, data = veteran)$p.value, digits = 10)))
cat(sprintf("table1\tlung\tcount_ph.ecog\t%s\n", paste(as.vector(tab), collapse = ",")))
