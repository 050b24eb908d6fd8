# Re-spelt shapes of R's survival data sets, for tests/test_tables_shapes.py, and R's own
# numbers for them. Run from this folder:  Rscript respelt.R > respelt.out
# lung_respelt.csv: survival::lung (NCCTG lung cancer, 228 patients) with the headers a
# clinical spreadsheet uses ("Patient ID" 1..228, "OS (days)", "vital status" in R's
# 1 = censored / 2 = dead coding, "Age (years)", "Sex" as words) and every missing value
# written as "." (as SAS and Stata export them).
suppressMessages(library(survival))
cat("# survival", as.character(packageVersion("survival")), "\n")
data(cancer, package = "survival")
out <- data.frame(
  "Patient ID" = seq_len(nrow(lung)),
  "Institution" = lung$inst,
  "OS (days)" = lung$time,
  "vital status" = lung$status,
  "Age (years)" = lung$age,
  "Sex" = ifelse(lung$sex == 1, "Male", "Female"),
  "ECOG" = lung$ph.ecog,
  "Calories" = lung$meal.cal,
  "Weight loss (kg)" = lung$wt.loss,
  check.names = FALSE)
write.csv(out, "lung_respelt.csv", row.names = FALSE, na = ".")
fit <- survfit(Surv(time, status) ~ 1, data = lung)
s <- summary(fit)$table
cat(sprintf("km\tn\t%d\n", as.integer(s["n.max"])))
cat(sprintf("km\tevents\t%d\n", as.integer(s["events"])))
cat(sprintf("km\tmedian_days\t%s\n", format(as.numeric(s["median"]), digits = 10)))
q <- quantile(lung$meal.cal, c(0.25, 0.5, 0.75), na.rm = TRUE, type = 7)
cat(sprintf("calories\tmissing\t%d\n", sum(is.na(lung$meal.cal))))
cat(sprintf("calories\tq%s\t%s\n", c("25", "50", "75"), format(as.numeric(q), digits = 10)), sep = "")
e <- table(lung$ph.ecog)
cat(sprintf("ecog\t%s\t%d\n", names(e), as.integer(e)), sep = "")
cat(sprintf("ecog\tmissing\t%d\n", sum(is.na(lung$ph.ecog))))
sx <- table(ifelse(lung$sex == 1, "Male", "Female"))
cat(sprintf("sex\t%s\t%d\n", names(sx), as.integer(sx)), sep = "")
