/**
 * One data path for dependencies: findDependencies on a CovarianceAccumulator (streamed from a
 * file, or merged shards), findDependenciesFromNpy, and `covlasso deps` streaming the fitted rows
 * and reading only the evaluation rows. Streamed output equals the in-memory path (objectives and
 * coefficients identical, intercepts within 1e-12 relative), on small files, on the real cjk1000
 * logits (skipped when absent), and on a sparse 2.5 GB file under bounded memory.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CovarianceAccumulator,
  DependencyReport,
  Matrix,
  accumulateCrossFromNpy,
  accumulateFromNpy,
  evaluateReplacement,
  findDependencies,
  findDependenciesFromNpy,
  readNpy,
  readNpyRows,
  readNpySync,
  writeNpySync,
} from '../lib';
import { randomLogits } from './support/reference-lasso';
import { runCli, CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';

// Child processes take what the machine takes: no timeout of their own, a generous per-test one.
jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const bin = path.resolve(__dirname, '..', 'dist', 'cjs', 'cli', 'main.js');
let dir = '';
const file = (name: string): string => path.join(dir, name);

/** Streamed and in-memory reports agree: objectives, sources and coefficients identical, intercepts within 1e-12. */
function expectSameReport(streamed: DependencyReport, inMemory: DependencyReport): void {
  expect(streamed.categories).toBe(inMemory.categories);
  expect(streamed.samples).toBe(inMemory.samples);
  expect(streamed.center).toBe(inMemory.center);
  expect(streamed.targets.length).toBe(inMemory.targets.length);
  streamed.targets.forEach((t, k) => {
    const want = inMemory.targets[k];
    expect(t.target).toBe(want.target);
    expect(t.objective).toBe(want.objective);
    expect(t.lambda).toBe(want.lambda);
    expect(t.lambdaMax).toBe(want.lambdaMax);
    expect(t.sources).toEqual(want.sources);
    expect(t.coef).toEqual(want.coef);
    expect(t.path).toEqual(want.path);
    if (want.intercept === undefined) {
      expect(t.intercept).toBeUndefined();
    } else {
      expect(Math.abs(t.intercept! - want.intercept)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want.intercept)));
    }
  });
}

const N = 9000;
const C = 25;
let F: Float32Array;
let labels: Int32Array;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-deps-stream-'));
  F = randomLogits(N, C, 21, { rank: 8, float32: true, offset: 3 });
  labels = new Int32Array(N);
  for (let r = 0; r < N; r++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (F[r * C + c] > F[r * C + best]) best = c;
    labels[r] = best;
  }
  writeNpySync(file('logits.npy'), { shape: [N, C], data: F });
  writeNpySync(file('labels.npy'), { shape: [N], data: labels });
  writeNpySync(file('f64.npy'), { shape: [N, C], data: Float64Array.from(F) });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('findDependencies() on an accumulator', () => {
  const logits = (): Matrix => new Matrix(N, C, F);

  for (const opts of [{ center: false, lambdaRatio: 0.05 }, { center: true, lambdaRatio: 0.02, path: { nLambda: 12 } }, { center: true, lambda: 0.01, targets: [3, 0, 17] }]) {
    it(`${JSON.stringify(opts)}: streamed (one chunk, and 4096-row chunks) equals the in-memory path`, async () => {
      const want = await findDependencies(logits(), { ...opts, rows: [500, 8700] });
      for (const chunkRows of [undefined, 4096]) {
        const acc = await accumulateFromNpy(file('logits.npy'), { rows: [500, 8700], chunkRows, productPrecision: 'float64' });
        expectSameReport(await findDependencies(acc, opts), want);
        expectSameReport(await findDependenciesFromNpy(file('logits.npy'), { ...opts, rows: [500, 8700], chunkRows }), want);
      }
    });
  }

  it('float64 files, names, and merged shards (within rounding: each shard has its own shift)', async () => {
    const names = Array.from({ length: C }, (_, i) => `c${i}`);
    const want = await findDependencies(new Matrix(N, C, Float64Array.from(F)), { center: true, names });
    expectSameReport(await findDependenciesFromNpy(file('f64.npy'), { center: true, names }), want);
    const a = await accumulateFromNpy(file('f64.npy'), { rows: [0, 4000], productPrecision: 'float64' });
    a.merge(await accumulateFromNpy(file('f64.npy'), { rows: [4000, N], productPrecision: 'float64' }));
    const merged = await findDependencies(a, { center: true, names });
    expect(merged.samples).toBe(N);
    merged.targets.forEach((t, k) => {
      expect(t.name).toBe(`c${t.target}`);
      expect(Math.abs(t.objective - want.targets[k].objective)).toBeLessThanOrEqual(1e-9 * Math.abs(want.targets[k].objective));
    });
  });

  it('means() is shift + sum/count of the rows fed', async () => {
    const acc = await accumulateFromNpy(file('f64.npy'), { rows: [10, 20] });
    const means = acc.means();
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let r = 10; r < 20; r++) s += F[r * C + c];
      expect(Math.abs(means[c] - s / 10)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(s / 10)));
    }
    expect(() => new CovarianceAccumulator(3).means()).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' }));
  });

  it('typed errors: options that do not apply, cross or empty accumulators, names, progress', async () => {
    const acc = await accumulateFromNpy(file('logits.npy'), { rows: [0, 1000] });
    for (const bad of [{ rows: [0, 10] as [number, number] }, { fitLogits: logits() }, { productPrecision: 'float64' as const }]) {
      await expect(findDependencies(acc, bad)).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
    }
    const cross = await accumulateCrossFromNpy(file('logits.npy'), file('f64.npy'), { rows: [0, 100] });
    await expect(findDependencies(cross)).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
    await expect(findDependencies(new CovarianceAccumulator(C))).rejects.toMatchObject({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' });
    await expect(findDependencies(acc, { names: ['a'] })).rejects.toMatchObject({ code: 'ERR_COVLASSO_SHAPE_MISMATCH' });
    await expect(findDependenciesFromNpy(file('logits.npy'), { maxMemory: '1k' })).rejects.toMatchObject({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' });
    const progress: number[] = [];
    await findDependenciesFromNpy(file('logits.npy'), { onProgress: (f) => progress.push(f) });
    expect(progress[progress.length - 1]).toBe(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
  });
});

describe('covlasso deps streams', () => {
  it('--rows, --center, --chunk-rows, --eval-rows --labels: same JSON as the in-memory path', async () => {
    const out = file('deps.json');
    const r = runCli('deps', file('logits.npy'), '--rows', '500:8700', '--center', '--lambda-ratio', '0.02', '--chunk-rows', '4096', '--eval-rows', '8700:9000', '--labels', file('labels.npy'), '--out', out, '--quiet');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = JSON.parse(fs.readFileSync(out, 'utf8')) as DependencyReport;
    const want = await findDependencies(new Matrix(N, C, F), { rows: [500, 8700], center: true, lambdaRatio: 0.02 });
    expectSameReport(got, want);
    const ev = evaluateReplacement(new Matrix(N, C, F), labels, want, { rows: [8700, N] });
    expect(got.evaluation).toEqual({ rows: 300, accuracyBefore: ev.accuracyBefore, accuracyAllReplaced: ev.accuracyAllReplaced });
    // JSON writes the NaN recall of a class absent from the rows as null.
    const perTarget = (ts: ReadonlyArray<{ accuracyBefore?: number; accuracyAfter?: number; recallBefore?: number; recallAfter?: number }>): unknown =>
      JSON.parse(JSON.stringify(ts.map((t) => [t.accuracyBefore, t.accuracyAfter, t.recallBefore, t.recallAfter])));
    expect(perTarget(got.targets)).toEqual(perTarget(ev.targets));
  });

  it('--max-memory bounds the stream; bad sizes and bad files are usage or typed errors', () => {
    const ok = runCli('deps', file('logits.npy'), '--max-memory', '1m', '--quiet');
    expect(ok.status).toBe(0);
    expect((JSON.parse(ok.stdout) as DependencyReport).samples).toBe(N);
    const cases: Array<[string[], number, RegExp]> = [
      [['--max-memory', 'lots'], 2, /--max-memory: invalid size/],
      [['--max-memory', '1k'], 1, /too small.*ERR_COVLASSO_INVALID_ARGUMENT/],
      [['--chunk-rows', '0'], 2, /--chunk-rows/],
      [['--eval-rows', '0:10', '--labels', file('logits.npy')], 2, /--labels: .* must be a 1-d int32 or int64/],
      [['--eval', file('labels.npy'), '--labels', file('labels.npy')], 1, /2-d.*ERR_COVLASSO_SHAPE_MISMATCH/],
      // The evaluation inputs are checked from their headers before any fitting (here one that would fail).
      [['--max-memory', '1k', '--eval-rows', '0:10', '--labels', file('f64.npy')], 2, /--labels: .* must be a 1-d int32/],
      [['--eval-rows', '0:99999', '--labels', file('labels.npy')], 2, /--eval-rows: range 0:99999 is empty or outside 0:9000/],
    ];
    for (const [extra, status, pattern] of cases) {
      const r = runCli('deps', file('logits.npy'), '--quiet', ...extra);
      expect(r.status).toBe(status);
      expect(r.stderr).toMatch(pattern);
    }
  });
});

const cjk = path.resolve(__dirname, '../../shared/data/cjk1000');
const haveCjk = fs.existsSync(path.join(cjk, 'logits.npy'));
if (!haveCjk) console.warn(`cjk1000 streaming test skipped: ${cjk}/logits.npy not found`);

(haveCjk ? describe : describe.skip)('cjk1000 rows 0:8000 (skipped when the data is absent)', () => {
  it('covlasso deps (streamed) equals findDependencies of the loaded rows, centered and not', async () => {
    const npy = await readNpy(path.join(cjk, 'logits.npy'));
    const logits = new Matrix(npy.shape[0], npy.shape[1], npy.data as Float32Array);
    for (const center of [false, true]) {
      const out = file(`cjk-${center}.json`);
      const r = runCli('deps', path.join(cjk, 'logits.npy'), '--rows', '0:8000', '--lambda-ratio', '0.1', ...(center ? ['--center'] : []), '--out', out, '--quiet');
      expect(r.status).toBe(0);
      const got = JSON.parse(fs.readFileSync(out, 'utf8')) as DependencyReport;
      expect(got.targets).toHaveLength(1000);
      expectSameReport(got, await findDependencies(logits, { rows: [0, 8000], lambdaRatio: 0.1, center }));
    }
  });
});

describe('a sparse 2.5 GB logits file', () => {
  // 1.25M rows × 500 float32 categories: 2.5e9 bytes of data, zeros except rows 0..255 (the
  // evaluation rows) and the 12288 fitted rows, written with real values.
  const rows = 1_250_000;
  const cols = 500;
  const fitBegin = 1_000_000;
  const fitRows = 12288;
  const evalRows = 256;
  let big = '';
  let fit: Float32Array;
  let head: Float32Array;

  beforeAll(() => {
    big = file('big.npy');
    const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
    const headerLength = 128 - 10;
    const header = Buffer.alloc(128, ' ');
    Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0]).copy(header, 0);
    header.writeUInt16LE(headerLength, 8);
    header.write(dict, 10, 'latin1');
    header[127] = 0x0a;
    const fd = fs.openSync(big, 'w');
    try {
      fs.writeSync(fd, header, 0, header.length, 0);
      fs.ftruncateSync(fd, 128 + rows * cols * 4);
      fit = randomLogits(fitRows, cols, 31, { rank: 40, float32: true, offset: 2 });
      head = randomLogits(evalRows, cols, 32, { rank: 40, float32: true, offset: 2 });
      fs.writeSync(fd, new Uint8Array(head.buffer), 0, head.byteLength, 128);
      fs.writeSync(fd, new Uint8Array(fit.buffer), 0, fit.byteLength, 128 + fitBegin * cols * 4);
    } finally {
      fs.closeSync(fd);
    }
    const y = new Int32Array(rows);
    for (let r = 0; r < evalRows; r++) y[r] = (r * 7) % cols;
    writeNpySync(file('big-labels.npy'), { shape: [rows], data: y });
  });
  afterAll(() => {
    if (big) fs.rmSync(big, { force: true });
  });

  it('is over 2 GiB: readNpy and readNpySync read it whole (fs.readFile could not), readNpyRows reads just the rows asked for', async () => {
    expect(fs.statSync(big).size).toBe(2_500_000_128);
    await expect(fs.promises.readFile(big)).rejects.toMatchObject({ code: 'ERR_FS_FILE_TOO_LARGE' });
    for (const read of [() => readNpy(big), async () => readNpySync(big)]) {
      const whole = await read(); // one 2.5 GB array at a time
      expect(whole.shape).toEqual([rows, cols]);
      const data = whole.data as Float32Array;
      expect(data.length).toBe(rows * cols);
      expect(Array.from(data.subarray(0, 4))).toEqual(Array.from(head.subarray(0, 4)));
      expect(Array.from(data.subarray((fitBegin + fitRows - 1) * cols, (fitBegin + fitRows) * cols))).toEqual(Array.from(fit.subarray((fitRows - 1) * cols)));
      expect(data[rows * cols - 1]).toBe(0);
    }
    const part = await readNpyRows(big, [fitBegin + 5, fitBegin + 8]);
    expect(part.shape).toEqual([3, cols]);
    expect(Array.from(part.data as Float32Array)).toEqual(Array.from(fit.subarray(5 * cols, 8 * cols)));
    const zeros = await readNpyRows(big, [rows - 2, rows]);
    expect((zeros.data as Float32Array).every((v) => v === 0)).toBe(true);
  });

  it('covlasso deps --rows a:b --eval-rows succeeds with a peak RSS far below the file size, equal to the in-memory path', async () => {
    const rssFile = file('rss.txt');
    const preload = file('rss.js');
    // The child's own peak: VmHWM of /proc/self/status (per address space, so it starts afresh at
    // exec; getrusage's maxRSS would carry the parent's high-water mark over the fork). KiB.
    const peak = `(() => { try { return Number(/VmHWM:\\s*(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]); } catch { return process.resourceUsage().maxRSS; } })()`;
    fs.writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(rssFile)}, String(${peak})));\n`);
    const out = file('big-deps.json');
    const r = spawnSync(
      process.execPath,
      ['-r', preload, bin, 'deps', big, '--rows', `${fitBegin}:${fitBegin + fitRows}`, '--center', '--lambda-ratio', '0.05', '--targets', '0:8',
        '--max-memory', '24m', '--eval-rows', `0:${evalRows}`, '--labels', file('big-labels.npy'), '--out', out, '--quiet'],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const peakBytes = Number(fs.readFileSync(rssFile, 'utf8')) * 1024; // KiB
    console.log(`covlasso deps on a 2.5 GB sparse file: peak RSS ${(peakBytes / 2 ** 20).toFixed(1)} MiB`);
    expect(peakBytes).toBeGreaterThan(0);
    expect(peakBytes).toBeLessThan(600 * 2 ** 20);
    const got = JSON.parse(fs.readFileSync(out, 'utf8')) as DependencyReport;
    const want = await findDependencies(new Matrix(fitRows, cols, fit), { center: true, lambdaRatio: 0.05, targets: Array.from({ length: 8 }, (_, i) => i) });
    expectSameReport(got, want);
    expect(got.targets.every((t) => t.converged && t.sources.length > 0)).toBe(true);
    const y = new Int32Array(evalRows);
    for (let k = 0; k < evalRows; k++) y[k] = (k * 7) % cols;
    const ev = evaluateReplacement(new Matrix(evalRows, cols, head), y, want);
    expect(got.evaluation).toEqual({ rows: evalRows, accuracyBefore: ev.accuracyBefore, accuracyAllReplaced: ev.accuracyAllReplaced });
  }, CHILD_PROCESS_TEST_TIMEOUT);
});
