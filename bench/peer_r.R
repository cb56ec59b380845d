#!/usr/bin/env Rscript
# Peer benchmark: full CovLasso λ paths with R's glmnet and huge(method = "mb").
#
# Driven by bench/compare-paths.js, which writes the inputs into one directory:
#
#   params.txt        "key value" lines: n (rows), c (columns), k (λ values per path)
#   X.f64             the logits as float64, little-endian, C order (n x c)     [glmnet]
#   S.f64             covlasso's second moment S = XᵀX/n, float64 (c x c)       [objectives, huge]
#   glmnet_targets.txt  0-based target indices, one per line                    [glmnet]
#   glmnet_lambdas.f64  k λ values per glmnet target, target-major (our λ_t path) [glmnet]
#   huge_lambdas.f64    k shared λ values (on the correlation scale)            [huge]
#   huge_check.txt    0-based λ indices at which huge's objectives are computed [huge]
#
#   Rscript bench/peer_r.R DIR [--peer glmnet|huge|both] [--thresh 1e-7] [--maxit 1e7]
#                              [--out file.json]
#
# glmnet: for target i, glmnet(X, X[, i], exclude = i, intercept = FALSE, standardize = FALSE,
#   lambda = our λ path of i, type.gaussian = "covariance", thresh, maxit). glmnet's gaussian
#   objective is (1/2n)‖y − Xβ‖² + λ‖β‖₁, which is exactly the CovLasso P_i(β) with S = XᵀX/n.
#   glmnet divides y by its scale internally (ys = sqrt(mean(y²)) without intercept), solves with
#   λ/ys and multiplies the coefficients back, so a user-supplied λ is on the original scale; the
#   objective check below confirms it. `exclude = i` keeps β_i = 0 without copying X per target.
#   Timed: the glmnet() calls only. Objectives (at every λ) are computed afterwards from glmnet's
#   coefficients with the covlasso formula ½(S_ii − 2βᵀS_{:,i} + βᵀSβ) + λ‖β‖₁ on S.
#
# huge: huge(S, lambda = shared λs, method = "mb", scr = FALSE, verbose = FALSE). huge
#   recognises a symmetric input as a covariance and works on R = cov2cor(S); each neighbourhood
#   lasso is ½(1 − 2wᵀR_{:,m} + wᵀRw) + λ‖w‖₁ with one λ sequence for all targets (its C++
#   coordinate descent stops when no variable enters the active set and the relative change of
#   ‖w‖₁ in a sweep is ≤ 1e-4; neither is configurable). Timed: the huge() call, and separately
#   its solver alone (the .Call("_huge_SPMBgraph") that huge.mb makes), without huge's R-level
#   path summary (per-λ symmetrised graphs, sparsity). Objectives on R at the λ indices in huge_check.txt, for every target.
#
# Output JSON (stdout or --out): seconds per peer, per-target objectives.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript bench/peer_r.R DIR [--peer glmnet|huge|both] [--thresh t] [--maxit m] [--out f]")
dir <- args[1]
opt <- function(name, default) {
  k <- match(paste0("--", name), args)
  if (is.na(k)) default else args[k + 1]
}
peer <- opt("peer", "both")
thresh <- as.numeric(opt("thresh", "1e-7"))
maxit <- as.numeric(opt("maxit", "1e7"))
out_file <- opt("out", "")

params <- read.table(file.path(dir, "params.txt"), stringsAsFactors = FALSE)
param <- function(key) as.numeric(params[params[, 1] == key, 2])
n <- param("n"); p <- param("c"); K <- param("k")

read_f64 <- function(name, count) {
  con <- file(file.path(dir, name), "rb")
  on.exit(close(con))
  v <- readBin(con, what = "double", n = count, size = 8, endian = "little")
  if (length(v) != count) stop(sprintf("%s: expected %d values, got %d", name, count, length(v)))
  v
}
read_int <- function(name) as.integer(readLines(file.path(dir, name)))

# C-order (row-major) n x p buffer -> R matrix: fill p x n column-major, then transpose.
S <- matrix(read_f64("S.f64", p * p), p, p)
S <- (S + t(S)) / 2             # exact symmetry (huge's isSymmetric test; S is symmetric anyway)

json_num <- function(x) ifelse(is.finite(x), sprintf("%.17g", x), "null")
json_vec <- function(x) paste0("[", paste(json_num(x), collapse = ","), "]")
json_ivec <- function(x) paste0("[", paste(as.integer(x), collapse = ","), "]")

# ½(d − 2βᵀs + βᵀGβ) + λ‖β‖₁ for each column of B (p x K), λ a K-vector.
objectives <- function(G, i, B, lam) {
  B <- as.matrix(B)
  GB <- G %*% B
  quad <- G[i, i] - 2 * colSums(B * G[, i]) + colSums(B * GB)
  0.5 * quad + lam * colSums(abs(B))
}

parts <- c(sprintf('"R": "%s"', R.version.string))

if (peer %in% c("glmnet", "both")) {
  suppressPackageStartupMessages(library(glmnet))
  X <- t(matrix(read_f64("X.f64", n * p), p, n))
  targets <- read_int("glmnet_targets.txt")
  lam_all <- matrix(read_f64("glmnet_lambdas.f64", K * length(targets)), K, length(targets))
  seconds <- 0
  recs <- character(0)
  warn_count <- 0
  for (k in seq_along(targets)) {
    i <- targets[k] + 1
    lam <- lam_all[, k]
    y <- X[, i]
    warned <- character(0)
    t0 <- proc.time()[["elapsed"]]
    fit <- withCallingHandlers(
      glmnet(X, y, family = "gaussian", alpha = 1, lambda = lam, exclude = i, intercept = FALSE,
             standardize = FALSE, type.gaussian = "covariance", thresh = thresh, maxit = maxit),
      warning = function(w) { warned <<- c(warned, conditionMessage(w)); invokeRestart("muffleWarning") })
    seconds <- seconds + (proc.time()[["elapsed"]] - t0)
    warn_count <- warn_count + (length(warned) > 0)
    B <- as.matrix(fit$beta)       # p x (λ values returned; fewer if glmnet stopped early)
    L <- ncol(B)
    obj <- rep(NA_real_, K)
    obj[seq_len(L)] <- objectives(S, i, B, fit$lambda)
    lam_err <- max(abs(fit$lambda - lam[seq_len(L)]) / lam[seq_len(L)])
    recs <- c(recs, sprintf('{"target":%d,"nLambda":%d,"npasses":%d,"lambdaRelErr":%s,"warned":%s,"objective":%s}',
                            i - 1, L, as.integer(fit$npasses), json_num(lam_err),
                            if (length(warned)) "true" else "false", json_vec(obj)))
  }
  parts <- c(parts, sprintf('"glmnet": {"version":"%s","thresh":%s,"maxit":%s,"seconds":%s,"targetsWarned":%d,"targets":[%s]}',
                            as.character(packageVersion("glmnet")), json_num(thresh), json_num(maxit),
                            json_num(seconds), warn_count, paste(recs, collapse = ",\n")))
  rm(X)
}

if (peer %in% c("huge", "both")) {
  suppressPackageStartupMessages(library(huge))
  lam <- read_f64("huge_lambdas.f64", K)
  check <- read_int("huge_check.txt") + 1
  gc()
  t0 <- proc.time()[["elapsed"]]
  fit <- huge(S, lambda = lam, method = "mb", scr = FALSE, verbose = FALSE)
  seconds <- proc.time()[["elapsed"]] - t0
  R <- cov2cor(S)
  # The solver alone (huge() also symmetrises and summarises the path in R, per λ): the same
  # .Call huge.mb makes with scr = FALSE, on the same correlation matrix.
  gc()
  t0 <- proc.time()[["elapsed"]]
  core <- .Call("_huge_SPMBgraph", R, lam, K, p, p, PACKAGE = "huge")
  seconds_core <- proc.time()[["elapsed"]] - t0
  rm(core)
  # obj[m, l]: target m's objective at the l-th checked λ
  obj <- matrix(NA_real_, p, length(check))
  nnz <- matrix(0L, p, length(check))
  for (l in seq_along(check)) {
    W <- fit$beta[[check[l]]]        # p x p sparse, column m = target m's coefficients
    Wd <- as.matrix(W)
    RW <- R %*% Wd
    obj[, l] <- 0.5 * (1 - 2 * colSums(Wd * R) + colSums(Wd * RW)) + lam[check[l]] * colSums(abs(Wd))
    nnz[, l] <- colSums(Wd != 0)
  }
  recs <- vapply(seq_len(p), function(m) sprintf('{"target":%d,"objective":%s,"nnz":%s}', m - 1,
                                                 json_vec(obj[m, ]), json_ivec(nnz[m, ])), "")
  parts <- c(parts, sprintf('"huge": {"version":"%s","seconds":%s,"secondsCore":%s,"lambda":%s,"checkIndices":%s,"targets":[%s]}',
                            as.character(packageVersion("huge")), json_num(seconds), json_num(seconds_core), json_vec(lam),
                            json_ivec(check - 1), paste(recs, collapse = ",\n")))
}

text <- paste0("{", paste(parts, collapse = ",\n"), "}\n")
if (nzchar(out_file)) writeLines(text, out_file, sep = "") else cat(text)
