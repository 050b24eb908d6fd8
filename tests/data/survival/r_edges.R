# Reference figures for tests/test_survival_r_edges.py, from R's survival package, on
# R's own data sets re-spelt in the shapes survival tables come in.
# Run from this folder:  Rscript r_edges.R          (or: Rscript r_edges.R OUTDIR)
# It writes the four CSV inputs and r_edges.out (tab-separated, 15 significant digits).
#
# Provenance (the survival package, LGPL (>= 2); each data set's own source):
# - pbc: Mayo Clinic trial in primary biliary cirrhosis; T Therneau and P Grambsch (2000),
#   Modeling Survival Data: Extending the Cox Model, Springer. status 0 censored,
#   1 transplant, 2 dead, kept as R has it; patient_id = id.
# - gbsg: German Breast Cancer Study Group 2, as used by P Royston and D Altman (2013),
#   BMC Medical Research Methodology 13:33. Re-spelt with dates: surgery on 2000-01-01,
#   "Date of death" = surgery + rfstime for status 1 (recurrence or death), "Last
#   follow-up date" = surgery + rfstime for status 0, and also 30 days before the death
#   for every other patient with status 1 whose rfstime is over 30 (a follow-up before
#   the death: the death wins).
# - veteran: Veterans' Administration lung cancer trial; D Kalbfleisch and RL Prentice
#   (1980), The Statistical Analysis of Failure Time Data, Wiley. trt written "." (SAS's
#   and Stata's missing) for every 9th patient.
# - flat50: eight patients made by hand: four deaths, then four censored; the curve ends
#   flat at exactly 50%.
# - early_censored: six patients made by hand, two censored before the first death (R's
#   log-log limits are NA there).
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "."
data(cancer, package = "survival")
lines <- c(sprintf("# survival %s", as.character(packageVersion("survival"))))
num <- function(x) ifelse(is.na(x), "NA", sprintf("%.15g", x))
emit <- function(...) lines <<- c(lines, paste(..., sep = "\t"))

pbc_in <- pbc[, c("id", "time", "status", "trt", "age", "sex")]
names(pbc_in)[1] <- "patient_id"
write.csv(pbc_in, file.path(out, "pbc.csv"), row.names = FALSE)

start <- as.Date("2000-01-01")
both <- gbsg$status == 1 & seq_len(nrow(gbsg)) %% 2 == 0 & gbsg$rfstime > 30
gbsg_in <- data.frame(
  patient_id = gbsg$pid,
  "Date of surgery" = format(start),
  "Date of death" = ifelse(gbsg$status == 1, format(start + gbsg$rfstime), ""),
  "Last follow-up date" = ifelse(gbsg$status == 0, format(start + gbsg$rfstime),
                                 ifelse(both, format(start + gbsg$rfstime - 30), "")),
  hormon = gbsg$hormon, check.names = FALSE)
write.csv(gbsg_in, file.path(out, "gbsg_dates.csv"), row.names = FALSE)

vet <- veteran
vet$trt <- as.character(vet$trt)
vet$trt[seq_len(nrow(vet)) %% 9 == 0] <- "."
vet_in <- cbind(patient_id = sprintf("V%03d", seq_len(nrow(vet))), vet[, c("time", "status", "trt", "celltype")])
write.csv(vet_in, file.path(out, "veteran_dot.csv"), row.names = FALSE)
vet_known <- vet[vet$trt != ".", ]

flat <- data.frame(patient_id = sprintf("F%d", 1:8), time = c(2, 4, 6, 10, 12, 16, 20, 25),
                   status = c(1, 1, 1, 1, 0, 0, 0, 0))
write.csv(flat, file.path(out, "flat50.csv"), row.names = FALSE)
early <- data.frame(patient_id = sprintf("E%d", 1:6), time = c(1, 3, 5, 8, 9, 11),
                    status = c(0, 0, 1, 1, 0, 1))
write.csv(early, file.path(out, "early_censored.csv"), row.names = FALSE)

# name -> the fits the tests compare with (the whole cohort and by group).
fits <- function(conf) list(
  pbc = list(all = survfit(Surv(time, status == 2) ~ 1, data = pbc, conf.type = conf),
             trt = survfit(Surv(time, status == 2) ~ trt, data = pbc, conf.type = conf)),
  gbsg = list(all = survfit(Surv(rfstime, status) ~ 1, data = gbsg, conf.type = conf),
              hormon = survfit(Surv(rfstime, status) ~ hormon, data = gbsg, conf.type = conf)),
  veteran_dot = list(all = survfit(Surv(time, status) ~ 1, data = vet, conf.type = conf),
                     trt = survfit(Surv(time, status) ~ trt, data = vet_known, conf.type = conf)),
  flat50 = list(all = survfit(Surv(time, status) ~ 1, data = flat, conf.type = conf)),
  early_censored = list(all = survfit(Surv(time, status) ~ 1, data = early, conf.type = conf)))
times <- list(pbc = c(365, 1825, 3650), gbsg = c(365, 1825), veteran_dot = c(30, 90, 365), flat50 = c(1, 2, 12, 25),
              early_censored = c(0.5, 1, 4, 12))

strata_of <- function(fit, n) {
  if (is.null(fit$strata)) return(rep("all", n))
  rep(names(fit$strata), fit$strata)
}
logs <- fits("log")
loglogs <- fits("log-log")
for (name in names(logs)) {
  for (f in names(logs[[name]])) {
    # The curve: one row per time, with both transforms' limits.
    fit <- logs[[name]][[f]]
    other <- loglogs[[name]][[f]]
    g <- strata_of(fit, length(fit$time))
    for (k in seq_along(fit$time)) {
      emit("curve", name, g[k], num(fit$time[k]), fit$n.risk[k], fit$n.event[k], fit$n.censor[k],
           num(fit$surv[k]), num(fit$lower[k]), num(fit$upper[k]), num(other$lower[k]), num(other$upper[k]))
    }
    for (conf in c("log", "log-log")) {
      fit <- if (conf == "log") logs[[name]][[f]] else loglogs[[name]][[f]]
      q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
      s <- summary(fit)$table
      if (is.null(dim(s))) s <- t(as.matrix(s))
      groups <- if (is.null(fit$strata)) "all" else names(fit$strata)
      qs <- if (is.null(dim(q$quantile))) lapply(q, function(v) t(as.matrix(v))) else q
      for (i in seq_along(groups)) {
        for (j in 1:3) {
          emit("quantile", name, conf, groups[i], c(25, 50, 75)[j], s[i, "n.max"], s[i, "events"],
               num(qs$quantile[i, j]), num(qs$lower[i, j]), num(qs$upper[i, j]))
        }
      }
      at <- summary(fit, times = times[[name]], extend = TRUE)
      g <- if (is.null(at$strata)) rep("all", length(at$time)) else as.character(at$strata)
      for (k in seq_along(at$time)) {
        emit("at", name, conf, g[k], num(at$time[k]), at$n.risk[k], num(at$surv[k]), num(at$lower[k]),
             num(at$upper[k]))
      }
    }
  }
}
logrank <- function(name, group, formula, data) {
  d <- survdiff(formula, data = data)
  df <- length(d$n) - 1
  emit("logrank", name, group, num(d$chisq), df, num(pchisq(d$chisq, df, lower.tail = FALSE)))
}
logrank("pbc", "trt", Surv(time, status == 2) ~ trt, pbc)
logrank("gbsg", "hormon", Surv(rfstime, status) ~ hormon, gbsg)
logrank("veteran_dot", "trt", Surv(time, status) ~ trt, vet_known)
emit("count", "pbc", "codes", paste(sort(unique(pbc$status)), collapse = ","))
emit("count", "pbc", "no_trt", sum(is.na(pbc$trt)))
emit("count", "veteran_dot", "no_trt", sum(vet$trt == "."))
emit("count", "gbsg", "both_dates", sum(both))
writeLines(lines, file.path(out, "r_edges.out"))
