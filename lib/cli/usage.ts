/**
 * The CLI's usage texts (the overview and each command's own), its usage error and its request
 * for help (own module, so that the argument parser, the output writer and the commands can all
 * raise them without importing each other).
 * @module
 */

/** A bad command line: the CLI prints the message and exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--help` / `-h` on a command's line: the CLI prints that command's usage to stdout and exits 0. */
export class HelpRequest extends Error {
  constructor() {
    super('help requested');
    this.name = 'HelpRequest';
  }
}

const COMMON = `Common options:
  -h, --help           this usage
  -j, --threads n      worker threads (default: COVLASSO_THREADS, else the library's default)
  -o, --out file       write the result there (atomically) instead of stdout
  -q, --quiet          no progress bar and no summary on stderr
      --progress       a progress bar with an ETA on stderr even when stderr is not a terminal
                       (by default only when it is one)
  --                   ends the options: what follows is positional (e.g. a file named -x.npy)
A value that starts with '-' is written --flag=-value (negative numbers work either way).`;

/** Each command's usage (`covlasso <command> --help`). */
export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  deps: `Usage:
  covlasso deps <logits.npy> [options]        streamed from the file's rows (bounded by --max-memory)
  covlasso deps --cov S.npy [options]         on a covariance saved by cov --out
  covlasso deps --state a.cov[,b.cov,...]     on merged shard states saved by cov --save-state
  covlasso deps --features h.npy --head W [--bias b]   a linear head's logits f = W h + b: the
                                              factored covariance, never formed (vocabulary scale)

One lasso per target category on the logit covariance; writes JSON (format "covlasso-deps").

Options:
  -r, --rows a:b              rows of the logits (or --features) file to fit on (default: all)
  --head W.npy | ckpt[:name]  the head W, C×d (PyTorch's Linear.weight layout): a .npy, or a
                              safetensors checkpoint (file, sharded index .json or directory) and the
                              tensor's name (default lm_head.weight, or the tied embedding); f16/bf16
                              widen exactly; a config's logit soft-capping is refused (not linear)
  --bias b.npy | ckpt:name    the head's bias (C values)
  -t, --targets i,j,a:b       target categories (default: all)
  --lambda-ratio r            λ_t = r·λ_max(t) (default 0.1)     --lambda x   an absolute λ
  --center                    centered covariance (fit an intercept)   --ddof d (with --state)
  --tol t                     certificate: gap ≤ t·S_tt (default 1e-6)
  --max-iter n                sweeps per target (default 100000)
  --positive                  coefficients ≥ 0
  --l1-ratio a                elastic net mixing in (0, 1] (default 1: the lasso)
  --penalty-factor w.npy      per-category penalty factors (1-d, C values ≥ 0; 0 = unpenalised)
  --product-precision p       float64 (default) or float32 products of the covariance
  --covariance-dtype float32  hold S in float32 for the solves (half the memory; solved and
                              certified in float64 on the rounded S; default float64)
  --n-lambda k, --ratio-min r also trace each target's λ path (k log-spaced ratios from 1 down to
                              r; defaults 100 and 1e-3): each target gets "path" (the report plots it)
  --names classes.json        class names (an array, or { "classes": [...] })
  --max-memory 1g, --chunk-rows n   bound the stream
  --eval-rows a:b | --eval other.npy  with --labels labels.npy: accuracy and recall before/after
  --graph out.dot|.graphml|.json      the dependency graph
  --format json|ndjson        one JSON document (default), or one target per line as solved
                              (each line a "covlasso-deps-target" record)
  --strict                    exit 3 when a target did not converge (after writing the output)
  --shard k/n                 with --cov/--state and --out part.json: only shard k (0-based) of n of
                              the targets, a partial result for covlasso merge

${COMMON}`,
  cov: `Usage:
  covlasso cov <logits.npy> --out cov.npy [options]
  covlasso cov --merge a.cov b.cov ... --out cov.npy [--center] [--ddof d] [--save-state all.cov]

The covariance (second moment, or --center) as a float64 .npy file, streamed from the file in row
chunks; --save-state writes a mergeable shard state.

Options:
  -r, --rows a:b            rows (default: all)
  --center, --ddof d        centered covariance, divisor N − d
  --max-memory 1g, --chunk-rows n   bound the stream
  --save-state shard.cov    also write the accumulator state
  --product-precision p     float64 or float32 products
  --covariance-dtype float32  write S rounded to float32 (half the file; deps --cov keeps it so)
  --merge                   the positionals are .cov states to merge
  --shard k/n               with --save-state: only shard k (0-based) of n of the rows (a verified
                            existing state is kept); merge the states with --merge or deps --state

${COMMON}`,
  cross: `Usage:
  covlasso cross <A.npy> <B.npy> [options]

Each category of model A as a sparse combination of model B's logits (same rows); JSON
(format "covlasso-cross", or "covlasso-cross-both" with --direction both).

Options:
  -r, --rows a:b, -t, --targets ..., --lambda-ratio r | --lambda x, --center, --tol t, --max-iter n
  --direction A<-B|B<-A|both   (default A<-B)
  --names a.json, --names-b b.json
  --eval-rows a:b --labels labels.npy, --graph out.dot

${COMMON}`,
  unseen: `Usage:
  covlasso unseen <A.npy> [<B.npy>] --labels labels.npy --unseen a:b --fit-rows a:b --eval-rows a:b [options]

Logits for categories model A never saw, from model B and/or k labelled examples; JSON
(format "covlasso-unseen").

Options:
  --examples k, --lambda-ratio r, --examples-lambda-ratio r, --no-center, --names classes.json

${COMMON}`,
  diagnose: `Usage:
  covlasso diagnose <logits.npy> [options]

Spectrum, rank, best achievable errors and sparsity of the dependencies, and how they change with
the number of categories (--sizes); JSON (format "covlasso-diagnose").

Options:
  -r, --rows a:b, --center, --lambda-ratio r, --thresholds 0.01,0.05, --sizes 100,200,500, --seed s,
  --no-best-error, --eigensolver dense|range|auto, --rank-hint r

${COMMON}`,
  choose: `Usage:
  covlasso choose <logits.npy> --labels labels.npy --fit-rows a:b --eval-rows a:b [options]

λ per target by what matters: the sparsest path solution that keeps the target class's recall and
the overall accuracy on evaluation rows; JSON (format "covlasso-choose").

Options:
  -t, --targets ..., --center, --n-lambda 50, --ratio-min r, --recall-tolerance t,
  --accuracy-tolerance t, --reference-ratio 0.02, --names classes.json

${COMMON}`,
  report: `Usage:
  covlasso report <deps.json> --out report.html [--title t] [--top k]

A self-contained HTML page (graph, source bars, λ paths, histograms, accuracy) of a deps or cross
JSON file, checked first against its JSON Schema (schema/ in the package): what is wrong is said in
one line. Files written before format/version were added are read as they are.

Options:
  -o, --out report.html, --title t, --top k (strongest edges shown first)
  -h, --help`,
  demo: `Usage:
  covlasso demo [--threads n] [--report demo.html | --no-report] [--progress | --quiet]

Runs the whole job on a built-in synthetic model and prints the strongest dependencies, and writes
the HTML report (covlasso-demo-report.html unless --report or --no-report says otherwise).

Options:
  -j, --threads n, -q, --quiet, --progress (a progress bar with an ETA), -h, --help`,
  info: `Usage:
  covlasso info [--json]

The backends of this install (cpu, cuda): compiled in, usable here, the device or why not
(--json: format "covlasso-info").

Options:
  --json, -h, --help`,
  bench: `Usage:
  covlasso bench [--quick] [--no-peers] [--repeats k] [--logits file.npy [--rows a:b]] [--json] [options]

The benchmark suite (the problems of bench/run.js: covariance of float32/float64 logits, every
CovLasso of a covariance at λ ratio 0.1, a 100-λ path), each timed as the median of --repeats runs
(default 3; --quick: small problems, one run), beside the peers that are installed: numpy's X.T @ X
and scikit-learn's Lasso (python3, or COVLASSO_PYTHON); a missing peer is named in the table.
Prints the table; --json or --out writes it as JSON (format "covlasso-bench").

${COMMON}`,
  merge: `Usage:
  covlasso merge part-0.json part-1.json ... [--out deps.json] [--allow-unconverged]

Combines the partial results of deps --shard into the report one deps process writes (format
"covlasso-deps", byte for byte): checks that the parts are one job (same options and covariance),
that every shard and target is present exactly once and that every certificate holds
(--allow-unconverged accepts unconverged targets, as deps does with a warning).

${COMMON}`,
  queue: `Usage:
  covlasso queue worker [--redis host:port] [--queue name] [--concurrency n] [-j threads]
                        [--lock-duration ms] [--stalled-interval ms]
  covlasso queue submit job.json [--redis host:port] [--queue name]

The whole job on BullMQ over Redis (needs the optional packages: npm install bullmq ioredis).
worker runs steps until SIGINT/SIGTERM; submit enqueues a job spec (JSON: id, logits, workDir,
covShards, targetShards and the deps options; see the README) as covariance shards → merge →
target shards → merge, waits and prints the result. Submitting a finished job again is a no-op;
a killed worker's step is retried by another once its lock (--lock-duration, default 30000 ms)
runs out and a stalled check (--stalled-interval, default 30000 ms) sees it. The worker prints
"ready" and each step's events on stderr (not with --quiet). --redis defaults to 127.0.0.1:6379.

${COMMON}`,
};

/** The overview (`covlasso --help`; bare `covlasso` prints it to stderr and exits 2). */
export const OVERVIEW = `covlasso: sparse neural dependencies between classifier logits (Covariance Lasso)

Usage: covlasso <command> [options] [--] [files]      covlasso <command> --help for its options

  deps      one lasso per target category on the logit covariance (of a .npy file, a saved
            covariance or merged shard states); JSON, or NDJSON (one target per line)
  cov       the float64 covariance of a .npy file (streamed), or merged shard states
  cross     each category of model A as a sparse combination of model B's logits
  unseen    logits for categories model A never saw, from model B and/or k labelled examples
  diagnose  spectrum, rank, best achievable errors and sparsity of the dependencies
  choose    λ per target by the target class's recall and the overall accuracy
  report    a self-contained HTML page of a deps or cross JSON file
  demo      the whole job on a built-in synthetic model
  info      the backends of this install
  bench     the benchmark suite, beside numpy / scikit-learn when installed
  merge     the partial results of deps --shard into one report
  queue     run shards on BullMQ over Redis: queue worker, queue submit job.json

  covlasso --help | -h      this overview          covlasso --version | -v

Exit status: 0 done, 1 failed (one line on stderr says why, with its ERR_COVLASSO_* code),
2 bad command line, 3 deps --strict with a target that did not converge.
λ convention: our λ is scikit-learn's alpha (objective ½·variance + λ‖β‖₁); the paper's λ is 2× ours.
Environment: COVLASSO_THREADS (default thread count), COVLASSO_BACKEND (cpu, cuda or auto: the default backend).
`;
