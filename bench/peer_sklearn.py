#!/usr/bin/env python3
"""Peer benchmark: scikit-learn's Lasso on every CovLasso target of a logits matrix.

For logits F (N x C, rows ``--rows a:b`` of a ``.npy``) and a target column i the
CovLasso problem (DESIGN.md section 2)

    P_i(beta) = 1/2 (S_ii - 2 beta' S[:, i] + beta' S beta) + lambda_i |beta|_1,   beta_i = 0,

with S = F'F / N, is exactly scikit-learn's ``Lasso(alpha=lambda_i, fit_intercept=False)``
objective (1/2N)|y - X beta|^2 + lambda_i |beta|_1 with y = F[:, i] and X = F without
column i.  lambda_i = r * lambda_max(i), lambda_max(i) = max_{j != i} |S_ji|.

Fair, fast use of scikit-learn:

* F is converted once to float64 (Fortran order) and the Gram G = F'F is computed once
  (one BLAS call; timed separately as ``seconds_gram``).
* For each target the solver gets the Gram of the other columns, G[-i, -i], and
  Xy = G[-i, i] (so X'y is not recomputed either).  Both live in buffers that are
  updated incrementally between targets (only the rows/columns whose position shifts
  are rewritten), so no per-target O(N C) or O(C^2) copy is made.
* ``--engine path`` (default) calls ``sklearn.linear_model.lasso_path`` with one alpha,
  ``precompute=G[-i,-i]``, ``Xy=G[-i,i]`` and ``check_input=False``: this is exactly the
  call ``Lasso.fit`` makes internally, minus its input validation and X'y product.
  ``--engine estimator`` uses the public estimator literally,
  ``Lasso(alpha, fit_intercept=False, precompute=G[-i,-i], copy_X=False).fit(X, y)``.
  Both run the same Cython routine (``enet_coordinate_descent_gram``), with the same
  stopping rule: sklearn's duality gap <= tol * |y|^2, i.e. gap/N <= tol * S_ii, which
  is the covlasso certificate ``gap <= tol * d``.
* ``--center``: the centered covariance (ddof = 0).  Lasso(fit_intercept=True) with a
  precomputed Gram would discard the Gram and recompute it per target, so instead the
  columns are centered once and the (identical) fit_intercept=False problem is solved on
  the centered data; the intercept is mu_i - beta' mu.

Output (JSON, ``--out`` or stdout)::

    {"peer": "scikit-learn <version>", "rows": [a, b], "lambdaRatio", "tol", "center",
     "seconds_total", "seconds_gram",
     "targets": [{"target", "lambda", "lambdaMax", "objective", "nnz", "n_iter", "converged"}]}

``objective`` is recomputed in float64 with the covlasso formula above from sklearn's
coefficients (S the float64 covariance); ``converged`` means n_iter < max_iter and no
ConvergenceWarning was raised for that target.

``--path`` mode: per target, ``lasso_path`` over ``--n-lambdas`` (100) values log-spaced
from lambda_max(i) down to ``--ratio-min`` (1e-3) * lambda_max(i), warm-started by sklearn,
with the Gram precomputed; reports the total seconds (and per-target iteration counts).

A one-line summary goes to stderr.

Examples::

    /usr/bin/python3 bench/peer_sklearn.py /work/shared/data/cjk1000/logits.npy \\
        --rows 0:8000 --ratio 0.1 --tol 1e-6 --out /tmp/sk.json
    /usr/bin/python3 bench/peer_sklearn.py logits.npy --targets 0:50 --path
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings

import numpy as np


def parse_range(text: str, n: int) -> tuple[int, int]:
    """Parse ``a:b`` (either side may be empty) into a clipped half-open range."""
    if ":" not in text:
        raise argparse.ArgumentTypeError(f"expected a:b, got {text!r}")
    a_s, b_s = text.split(":", 1)
    a = int(a_s) if a_s.strip() else 0
    b = int(b_s) if b_s.strip() else n
    if a < 0:
        a += n
    if b < 0:
        b += n
    if not (0 <= a < b <= n):
        raise SystemExit(f"range {text!r} is empty or outside 0:{n}")
    return a, b


def parse_targets(text: str | None, c: int) -> list[int]:
    """``None`` -> all; ``a:b`` -> range; ``i,j,k`` -> list (each in 0..c-1)."""
    if text is None or text.strip() in ("", "all"):
        return list(range(c))
    if ":" in text:
        a, b = parse_range(text, c)
        return list(range(a, b))
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        t = int(part)
        if t < 0:
            t += c
        if not 0 <= t < c:
            raise SystemExit(f"target {part} outside 0..{c - 1}")
        out.append(t)
    if not out:
        raise SystemExit("no targets")
    return out


def sig(x: float, digits: int = 17) -> float:
    """Round to `digits` significant digits (17 keeps a float64 exact)."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(f"{x:.{digits - 1}e}")


class LeaveOneOut:
    """Buffers holding X = F[:, -t] (Fortran) and G[-t, -t] (C order) for a current target t.

    Position k holds original column k for k < t and k + 1 for k >= t.  Switching the
    target from t to t' only rewrites positions min(t,t') .. max(t,t')-1.
    """

    def __init__(self, F: np.ndarray, G: np.ndarray, need_x: bool):
        self.F, self.G = F, G
        c = G.shape[0]
        self.c = c
        self.t = c - 1
        # explicit copies: these buffers are written to, F and G must stay intact
        self.G_buf = np.array(G[: c - 1, : c - 1], order="C", copy=True)
        self.X_buf = np.array(F[:, : c - 1], order="F", copy=True) if need_x else None

    def others(self, t: int) -> np.ndarray:
        return np.concatenate([np.arange(t), np.arange(t + 1, self.c)])

    def move_to(self, t: int) -> np.ndarray:
        idx = self.others(t)
        lo, hi = min(t, self.t), max(t, self.t)
        if lo != hi:
            new = idx[lo:hi]
            self.G_buf[lo:hi, :] = self.G[np.ix_(new, idx)]
            self.G_buf[:, lo:hi] = self.G[np.ix_(idx, new)]
            if self.X_buf is not None:
                self.X_buf[:, lo:hi] = self.F[:, new]
        self.t = t
        return idx


def covlasso_objective(S: np.ndarray, i: int, beta_full: np.ndarray, lam: float) -> float:
    """1/2 (S_ii - 2 b's + b'Sb) + lam |b|_1 in float64 (beta_full has beta_i = 0)."""
    Sb = S @ beta_full
    quad = S[i, i] - 2.0 * float(beta_full @ S[:, i]) + float(beta_full @ Sb)
    return 0.5 * quad + lam * float(np.abs(beta_full).sum())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="scikit-learn Lasso peer benchmark for all CovLasso targets of a logits .npy",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("Examples::", 1)[-1],
    )
    ap.add_argument("npy", help="logits .npy, shape (N, C), float32 or float64")
    ap.add_argument("--rows", default="0:8000", help="row range a:b (default 0:8000)")
    ap.add_argument("--ratio", "--lambda-ratio", dest="ratio", type=float, default=0.1,
                    help="lambda_i = ratio * lambda_max(i) (default 0.1)")
    ap.add_argument("--tol", type=float, default=1e-6, help="sklearn tol (default 1e-6)")
    ap.add_argument("--max-iter", type=int, default=10000, help="sklearn max_iter (default 10000)")
    ap.add_argument("--targets", default=None, help="comma list or a:b range (default all)")
    ap.add_argument("--center", action="store_true",
                    help="centered covariance (ddof=0), i.e. Lasso(fit_intercept=True)")
    ap.add_argument("--engine", choices=("path", "estimator"), default="path",
                    help="path: lasso_path(Gram, Xy, check_input=False) [default]; "
                         "estimator: Lasso(precompute=Gram).fit(X, y)")
    ap.add_argument("--path", action="store_true",
                    help="path mode: lasso_path over --n-lambdas log-spaced lambdas per target")
    ap.add_argument("--n-lambdas", type=int, default=100, help="path length (default 100)")
    ap.add_argument("--ratio-min", type=float, default=1e-3, help="path end / lambda_max (default 1e-3)")
    ap.add_argument("--out", default=None, help="write JSON here (default stdout)")
    ap.add_argument("--progress", action="store_true", help="progress every 50 targets on stderr")
    args = ap.parse_args(argv)

    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Lasso, lasso_path

    t_start = time.perf_counter()
    raw = np.load(args.npy, mmap_mode="r")
    if raw.ndim != 2:
        raise SystemExit(f"{args.npy}: expected a 2-D array, got shape {raw.shape}")
    a, b = parse_range(args.rows, raw.shape[0])
    c = raw.shape[1]
    if c < 2:
        raise SystemExit("need at least 2 columns")
    targets = parse_targets(args.targets, c)

    t_gram0 = time.perf_counter()
    F = np.asfortranarray(raw[a:b], dtype=np.float64)
    n = F.shape[0]
    if args.center:
        F -= F.mean(axis=0)
    G = F.T @ F                         # X'X for sklearn (unnormalised), float64
    G = np.ascontiguousarray(G)
    S = G / n                           # the covlasso covariance
    seconds_gram = time.perf_counter() - t_gram0

    need_x = args.engine == "estimator" and not args.path
    loo = LeaveOneOut(F, G, need_x)
    out_targets = []
    n_unconv = 0
    order = sorted(targets)
    for k, i in enumerate(order):
        idx = loo.move_to(i)
        s_i = S[idx, i]
        lam_max = float(np.max(np.abs(s_i)))
        y = F[:, i]                      # contiguous (F is Fortran-ordered)
        Xy = np.ascontiguousarray(G[idx, i])
        if args.path:
            lam_hi = lam_max if lam_max > 0 else 1.0
            alphas = np.logspace(math.log10(lam_hi), math.log10(lam_hi * args.ratio_min),
                                 args.n_lambdas)
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always", ConvergenceWarning)
                _, coefs, gaps, iters = lasso_path(
                    F[:, : c - 1], y, alphas=alphas, precompute=loo.G_buf, Xy=Xy, check_input=False,
                    return_n_iter=True, tol=args.tol, max_iter=args.max_iter)
            nwarn = sum(issubclass(x.category, ConvergenceWarning) for x in w)
            unconv = int(sum(it >= args.max_iter for it in iters))
            unconv = max(unconv, nwarn)
            n_unconv += unconv > 0
            beta = np.zeros(c)
            beta[idx] = coefs[:, -1]
            lam_last = float(alphas[-1])
            out_targets.append({
                "target": i, "lambdaMax": sig(lam_max), "n_iter_total": int(sum(iters)),
                "unconverged": unconv,
                "objectiveLast": sig(covlasso_objective(S, i, beta, lam_last)),
                "nnzLast": int(np.count_nonzero(coefs[:, -1])),
            })
        else:
            lam = args.ratio * lam_max
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always", ConvergenceWarning)
                if lam_max == 0.0:
                    coef = np.zeros(c - 1)
                    n_iter = 0
                elif args.engine == "path":
                    # X (here F) only supplies n_samples and dtype on this branch: with a
                    # precomputed Gram and check_input=False sklearn never reads X's data.
                    _, coefs, _, iters = lasso_path(
                        F[:, : c - 1], y, alphas=[lam], precompute=loo.G_buf, Xy=Xy,
                        check_input=False, return_n_iter=True, tol=args.tol,
                        max_iter=args.max_iter)
                    coef = coefs[:, 0]
                    n_iter = int(iters[0])
                else:
                    model = Lasso(alpha=lam, fit_intercept=False, precompute=loo.G_buf,
                                  copy_X=False, tol=args.tol, max_iter=args.max_iter)
                    model.fit(loo.X_buf, y)
                    coef = model.coef_
                    n_iter = int(model.n_iter_)
            warned = any(issubclass(x.category, ConvergenceWarning) for x in w)
            converged = (n_iter < args.max_iter) and not warned
            n_unconv += not converged
            beta = np.zeros(c)
            beta[idx] = coef
            out_targets.append({
                "target": i, "lambda": sig(lam), "lambdaMax": sig(lam_max),
                "objective": sig(covlasso_objective(S, i, beta, lam)),
                "nnz": int(np.count_nonzero(coef)), "n_iter": n_iter, "converged": converged,
            })
        if args.progress and (k + 1) % 50 == 0:
            el = time.perf_counter() - t_start
            print(f"  {k + 1}/{len(order)} targets, {el:.1f} s, {n_unconv} unconverged",
                  file=sys.stderr, flush=True)

    seconds_total = time.perf_counter() - t_start
    result = {
        "peer": f"scikit-learn {sklearn.__version__}",
        "mode": "path" if args.path else "single",
        "engine": "lasso_path" if (args.path or args.engine == "path") else "Lasso.fit",
        "rows": [a, b],
        "columns": c,
    }
    if args.path:
        result.update({"nLambdas": args.n_lambdas, "ratioMin": args.ratio_min})
    else:
        result["lambdaRatio"] = args.ratio
    result.update({
        "tol": args.tol, "maxIter": args.max_iter, "center": bool(args.center),
        "seconds_total": round(seconds_total, 3), "seconds_gram": round(seconds_gram, 3),
        "targets": out_targets,
    })
    text = json.dumps(result, separators=(",", ":"))
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text.replace('},{"target"', '},\n{"target"') + "\n")
    else:
        print(text)
    what = (f"path of {args.n_lambdas} lambdas" if args.path else f"lambda ratio {args.ratio}")
    print(f"scikit-learn {sklearn.__version__}: {len(order)} targets, {what}, rows {a}:{b}, "
          f"tol {args.tol:g}, center={bool(args.center)}: {seconds_total:.2f} s total "
          f"({seconds_gram:.2f} s Gram, {(seconds_total - seconds_gram) / len(order) * 1e3:.1f} ms/target), "
          f"{n_unconv} unconverged", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
