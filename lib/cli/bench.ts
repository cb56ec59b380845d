/**
 * `covlasso bench`: the benchmark suite, from an installed package (no dev dependency, no file
 * outside dist/): the problems of bench/run.js (synthetic logits of a linear head; covariance
 * of float32 and float64 logits, every CovLasso of a covariance at λ ratio 0.1, a 100-λ path),
 * optionally a real logits file, each timed as the median of `--repeats` runs, beside the peers
 * that are installed (numpy's `X.T @ X`, scikit-learn's `lasso_path` with the Gram precomputed,
 * run by python3 or `COVLASSO_PYTHON`). A missing peer is named, with why, in the table.
 * @module
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { covariance } from '../covariance/in-memory';
import { covLasso, covLassoPath } from '../lasso/covlasso';
import { writeNpy } from '../npy/io';
import { gaussian } from '../random';
import { Matrix } from '../runtime/matrix';
import { progressStages } from '../runtime/progress';
import { numberOption, parseArgs, positiveInteger, rangeOption, UsageError } from './args';
import { readLogits } from './commands';
import { stamp } from './formats';
import { writeOutputSync } from './output';
import { withProgressBar } from './progress';

/** One timed job of the suite. */
interface BenchJob {
  id: string;
  kind: 'covariance' | 'lasso' | 'path';
  /** What is timed, for people. */
  name: string;
  logits: Matrix;
  /** `path`: the targets and λ count. */
  targets?: number;
  nLambda?: number;
}

/** One row of the table (and of the JSON, format "covlasso-bench"). */
export interface BenchRow {
  job: string;
  kind: BenchJob['kind'];
  /** Median seconds of covlasso. */
  covlasso: number;
  /** Median seconds of the peer, or null when it is not installed (or failed). */
  peer: number | null;
  /** The peer, or why there is none. */
  peerName: string;
  /** peer / covlasso (> 1: covlasso is faster), or null. */
  ratio: number | null;
}

/** The peers found: python, numpy and scikit-learn versions, or why each is missing. */
export interface BenchPeers {
  python: string;
  numpy: { version: string } | { missing: string };
  sklearn: { version: string } | { missing: string };
}

/** N×C float32 logits = relu(features N×d) · W (d×C), rank ≤ d: bench/problems.js's headLogits. */
export function headLogits(rows: number, cols: number, width: number, seed = 1): Matrix {
  const g = gaussian(seed);
  const w = Float64Array.from({ length: width * cols }, () => g() / Math.sqrt(width));
  const out = new Float32Array(rows * cols);
  const f = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) f[j] = Math.max(0, g());
    const row = out.subarray(r * cols, (r + 1) * cols);
    for (let j = 0; j < width; j++) {
      if (f[j] === 0) continue;
      for (let c = 0; c < cols; c++) row[c] += f[j] * w[j * cols + c];
    }
  }
  return new Matrix(rows, cols, out);
}

function toFloat64(m: Matrix): Matrix {
  return new Matrix(m.rows, m.cols, Float64Array.from(m.data));
}

/** The suite: bench/run.js's problems, or small ones (`--quick`), plus a real file when given. */
function suite(quick: boolean, real?: { name: string; logits: Matrix }): BenchJob[] {
  const size = (full: number, small: number): number => (quick ? small : full);
  const cov = (id: string, dtype: 'f32' | 'f64', rows: number, cols: number, width: number, seed: number): BenchJob => {
    const X = headLogits(rows, cols, width, seed);
    return { id, kind: 'covariance', name: `covariance ${dtype} ${rows}x${cols}`, logits: dtype === 'f64' ? toFloat64(X) : X };
  };
  const jobs: BenchJob[] = [
    cov('cov-f32-a', 'f32', size(8000, 2000), size(1000, 200), size(256, 32), 1),
    cov('cov-f32-b', 'f32', size(50000, 4000), size(200, 50), size(64, 16), 2),
    cov('cov-f64', 'f64', size(20000, 2000), size(500, 100), size(128, 32), 3),
  ];
  const c1 = size(300, 60);
  const c2 = size(1000, 120);
  const X1 = headLogits(size(4000, 1000), c1, size(64, 16), 4);
  jobs.push({ id: 'lasso-a', kind: 'lasso', name: `all ${c1} CovLassos, λ ratio 0.1 (width ${size(64, 16)})`, logits: X1 });
  jobs.push({ id: 'lasso-b', kind: 'lasso', name: `all ${c2} CovLassos, λ ratio 0.1 (width ${size(256, 32)})`, logits: headLogits(size(8000, 1500), c2, size(256, 32), 5) });
  if (real) {
    jobs.push({ id: 'real-cov', kind: 'covariance', name: `covariance of ${real.name}`, logits: real.logits });
    jobs.push({ id: 'real-lasso', kind: 'lasso', name: `all ${real.logits.cols} CovLassos of ${real.name}, λ ratio 0.1`, logits: real.logits });
  }
  const nLambda = size(100, 20);
  const pathTargets = size(c1, 20);
  jobs.push({ id: 'path', kind: 'path', name: `path of ${nLambda} λ (1 → 1e-3), ${pathTargets} of ${c1} targets`, logits: X1, targets: pathTargets, nLambda });
  return jobs;
}

async function median(repeats: number, run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Times covlasso on one job (the covariance a lasso job needs is computed once, untimed). */
async function timeJob(job: BenchJob, repeats: number, threads: number | undefined): Promise<number> {
  if (job.kind === 'covariance') return median(repeats, () => covariance(job.logits, { threads }));
  const S = await covariance(job.logits, { threads, productPrecision: 'float64' });
  if (job.kind === 'lasso') return median(repeats, () => covLasso(S, { lambdaRatio: 0.1, threads }));
  const targets = Array.from({ length: job.targets! }, (_, i) => i);
  return median(repeats, () => covLassoPath(S, { targets, nLambda: job.nLambda, ratioMin: 1e-3, threads }));
}

/** The Python side: numpy X.T @ X, and scikit-learn's lasso_path on the Gram, as bench/peer_sklearn.py runs it. */
const PEER_SCRIPT = String.raw`import json, sys, time, warnings
import numpy as np
spec = json.load(open(sys.argv[1]))
try:
    from sklearn.linear_model import lasso_path
except Exception:
    lasso_path = None
warnings.simplefilter("ignore")

def median(run, k):
    ts = []
    for _ in range(k):
        t = time.perf_counter(); run(); ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2]

def lassos(F, G, targets, n_lambda, ratio):
    n, c = F.shape
    buf = np.array(G[:c - 1, :c - 1], order="C", copy=True)
    cur = c - 1
    for i in range(targets):
        idx = np.concatenate([np.arange(i), np.arange(i + 1, c)])
        lo, hi = min(i, cur), max(i, cur)
        if lo != hi:
            new = idx[lo:hi]
            buf[lo:hi, :] = G[np.ix_(new, idx)]
            buf[:, lo:hi] = G[np.ix_(idx, new)]
        cur = i
        Xy = np.ascontiguousarray(G[idx, i])
        lam_max = float(np.max(np.abs(Xy))) / n
        if lam_max == 0.0:
            continue
        alphas = [ratio * lam_max] if n_lambda is None else np.logspace(np.log10(lam_max), np.log10(lam_max * 1e-3), n_lambda)
        lasso_path(F[:, :c - 1], F[:, i], alphas=alphas, precompute=buf, Xy=Xy, check_input=False, tol=1e-6, max_iter=10000)

out = {}
for job in spec["jobs"]:
    X = np.load(job["file"])
    if job["kind"] == "covariance":
        A = np.ascontiguousarray(X)
        out[job["id"]] = median(lambda: A.T @ A / A.shape[0], spec["repeats"])
    elif lasso_path is not None:
        F = np.asfortranarray(X, dtype=np.float64)
        G = np.ascontiguousarray(F.T @ F)
        if job["kind"] == "lasso":
            out[job["id"]] = median(lambda: lassos(F, G, F.shape[1], None, 0.1), 1)
        else:
            out[job["id"]] = median(lambda: lassos(F, G, job["targets"], job["nLambda"], None), 1)
print(json.dumps(out))
`;

/** Which peers python has (each with its version, or why not). */
export function probePeers(python = process.env.COVLASSO_PYTHON || 'python3'): BenchPeers {
  const probe = (module: string, install: string): { version: string } | { missing: string } => {
    const r = spawnSync(python, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8' });
    if (r.error) return { missing: `${python} not found (install Python 3, or set COVLASSO_PYTHON)` };
    if (r.status !== 0) return { missing: `not installed (${python} -c 'import ${module}' failed; ${install})` };
    return { version: r.stdout.trim() };
  };
  return { python, numpy: probe('numpy', 'pip install numpy'), sklearn: probe('sklearn', 'pip install scikit-learn') };
}

/** Runs the peer script on the jobs (their logits written as .npy); seconds by job id. */
async function timePeers(jobs: readonly BenchJob[], peers: BenchPeers, repeats: number): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-bench-'));
  try {
    const spec = { repeats, jobs: [] as object[] };
    for (const job of jobs) {
      const file = path.join(dir, `${job.id}.npy`);
      await writeNpy(file, { shape: [job.logits.rows, job.logits.cols], data: job.logits.data });
      spec.jobs.push({ id: job.id, kind: job.kind, file, targets: job.targets, nLambda: job.nLambda });
    }
    fs.writeFileSync(path.join(dir, 'spec.json'), JSON.stringify(spec));
    fs.writeFileSync(path.join(dir, 'peers.py'), PEER_SCRIPT);
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(peers.python, [path.join(dir, 'peers.py'), path.join(dir, 'spec.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`the peer script failed (${code}): ${err.trim().split('\n').pop() ?? ''}`))));
    });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function peerName(kind: BenchJob['kind'], peers: BenchPeers): string {
  if (kind === 'covariance') return 'version' in peers.numpy ? `numpy ${peers.numpy.version} X.T @ X` : `numpy: ${peers.numpy.missing}`;
  if (!('version' in peers.numpy)) return `scikit-learn: needs numpy (${peers.numpy.missing})`;
  return 'version' in peers.sklearn ? `scikit-learn ${peers.sklearn.version} lasso_path per target, Gram precomputed` : `scikit-learn: ${peers.sklearn.missing}`;
}

/** The table, as Markdown. */
export function benchTable(rows: readonly BenchRow[]): string {
  const lines = ['| job | covlasso (s) | peer (s) | peer / covlasso | peer |', '| --- | ---: | ---: | ---: | --- |'];
  for (const r of rows) {
    lines.push(`| ${r.job} | ${r.covlasso.toFixed(3)} | ${r.peer === null ? 'n/a' : r.peer.toFixed(3)} | ${r.ratio === null ? 'n/a' : `${r.ratio.toFixed(2)}×`} | ${r.peerName} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** `covlasso bench [--quick] [--no-peers] [--repeats k] [--logits f.npy [--rows a:b]] [--json] [--out f.json]`. */
export async function runBench(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, ['repeats', 'threads', 'logits', 'rows', 'out'], ['quick', 'no-peers', 'json', 'progress', 'quiet']);
  if (args.positionals.length > 0) throw new UsageError('bench takes no positional arguments (a logits file goes with --logits)');
  if (args.values.has('rows') && !args.values.has('logits')) throw new UsageError('--rows goes with --logits');
  const quick = args.switches.has('quick');
  const repeats = numberOption(args, 'repeats', positiveInteger) ?? (quick ? 1 : 3);
  const threads = numberOption(args, 'threads', positiveInteger);
  let real: { name: string; logits: Matrix } | undefined;
  const file = args.values.get('logits');
  if (file !== undefined) {
    let logits = await readLogits(file);
    if (args.values.has('rows')) {
      const [a, b] = rangeOption(args.values.get('rows')!, logits.rows, 'rows');
      logits = logits.sliceRows(a, b);
    }
    real = { name: `${path.basename(file)} (${logits.rows}x${logits.cols})`, logits };
  }
  const jobs = suite(quick, real);
  const peers: BenchPeers = args.switches.has('no-peers')
    ? { python: 'none', numpy: { missing: 'skipped (--no-peers)' }, sklearn: { missing: 'skipped (--no-peers)' } }
    : probePeers();
  const withPeers = 'version' in peers.numpy;
  const rows = await withProgressBar(args.switches, 'bench', async (onProgress) => {
    const stages = progressStages(onProgress, [...jobs.map(() => 1), withPeers ? jobs.length : 0]);
    const ours: number[] = [];
    for (let k = 0; k < jobs.length; k++) {
      ours.push(await timeJob(jobs[k], repeats, threads));
      stages[k]?.(1);
    }
    let theirs: Record<string, number> = {};
    let failure: string | undefined;
    if (withPeers) {
      try {
        theirs = await timePeers(jobs, peers, repeats);
      } catch (error) {
        failure = (error as Error).message;
      }
      stages[jobs.length]?.(1);
    }
    return jobs.map((job, k): BenchRow => {
      const peer = typeof theirs[job.id] === 'number' ? theirs[job.id] : null;
      const name = failure !== undefined ? `peer failed: ${failure}` : peerName(job.kind, peers);
      return { job: job.name, kind: job.kind, covlasso: ours[k], peer, peerName: name, ratio: peer === null ? null : peer / ours[k] };
    });
  });
  const cpus = os.cpus();
  const result = stamp('covlasso-bench', {
    machine: `${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} CPUs`,
    node: process.version,
    quick,
    repeats,
    threads: threads ?? null,
    peers,
    rows,
  });
  const json = JSON.stringify(result);
  if (args.switches.has('json')) {
    process.stdout.write(`${json}\n`);
  } else {
    const missing = [['numpy', peers.numpy], ['scikit-learn', peers.sklearn]].filter(([, p]) => 'missing' in (p as object)).map(([n, p]) => `${n as string} ${(p as { missing: string }).missing}`);
    process.stdout.write(`covlasso bench${quick ? ' --quick' : ''}: ${result.machine}; node ${result.node}; median of ${repeats} run(s)${withPeers ? ' (peer lassos: one run)' : ''}\n\n`);
    process.stdout.write(benchTable(rows));
    if (missing.length > 0) process.stdout.write(`\nPeers missing: ${missing.join('; ')}\n`);
  }
  const out = args.values.get('out');
  if (out !== undefined) writeOutputSync(out, json);
}
