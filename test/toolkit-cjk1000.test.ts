/**
 * The README's "Neural dependencies on real logits" numbers, produced by the CLI code paths on
 * ../shared/data/cjk1000 (fit rows 0..7999, evaluation rows 8000..11999), with spot checks by
 * direct computation. Skipped, visibly, when the data is absent.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Matrix, chooseLambdaByRecall, covariance, dependencyScaling, numericalRank, readNpy, symmetricEigen } from '../lib';
import { main } from '../lib/cli/main';

const DATA = path.resolve(__dirname, '../../shared/data/cjk1000');
const present = fs.existsSync(path.join(DATA, 'logits.npy')) && fs.existsSync(path.join(DATA, 'logits-m2.npy')) && fs.existsSync(path.join(DATA, 'labels.npy'));
// eslint-disable-next-line no-console
if (!present) console.warn(`toolkit cjk1000 tests skipped: ${DATA} not found`);
const suite = present ? describe : describe.skip;
const d = (f: string): string => path.join(DATA, f);
let dir = '';
let A: Matrix;
let B: Matrix;
let labels: Int32Array;

async function run(...argv: string[]): Promise<string> {
  let err = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    expect(await main(argv)).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return err;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const json = (f: string): any => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));

/** Top-1 accuracy of rows 8000..11999 with columns replaced (naive, from the original logits). */
function accuracyAllReplaced(target: Matrix, source: Matrix, deps: { target: number; sources: number[]; coef: number[]; intercept?: number }[]): number {
  let ok = 0;
  for (let r = 8000; r < 12000; r++) {
    const row = Array.from(target.row(r));
    for (const dep of deps) row[dep.target] = dep.sources.reduce((s, j, q) => s + dep.coef[q] * source.get(r, j), dep.intercept ?? 0);
    let bi = 0;
    for (let c = 1; c < row.length; c++) if (row[c] > row[bi]) bi = c;
    if (bi === labels[r]) ok++;
  }
  return ok / 4000;
}

suite(present ? 'cjk1000: dependencies on real logits (README numbers)' : `cjk1000 toolkit: SKIPPED, ${DATA} not found`, () => {
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-cjk-'));
    A = new Matrix(12000, 1000, (await readNpy(d('logits.npy'))).data as Float32Array);
    B = new Matrix(12000, 1000, (await readNpy(d('logits-m2.npy'))).data as Float32Array);
    labels = (await readNpy(d('labels.npy'))).data as Int32Array;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('deps --center --lambda-ratio 0.02 with --eval-rows: per target and all at once', async () => {
    await run('deps', d('logits.npy'), '--rows', '0:8000', '--center', '--lambda-ratio', '0.02', '--eval-rows', '8000:12000', '--labels', d('labels.npy'), '--names', d('classes.json'), '--graph', path.join(dir, 'deps.dot'), '--out', path.join(dir, 'deps.json'), '--quiet');
    const rep = json('deps.json');
    expect(rep.evaluation).toEqual({ rows: 4000, accuracyBefore: 0.9975, accuracyAllReplaced: 0.98625 });
    expect(accuracyAllReplaced(A, A, rep.targets)).toBe(0.98625);
    expect(rep.targets.filter((t: { recallAfter: number; recallBefore: number }) => t.recallAfter < t.recallBefore).length).toBe(127);
    // the README's table: the six strongest (largest leading coefficient)
    const strongest = rep.targets
      .filter((t: { sources: number[] }) => t.sources.length > 0)
      .sort((a: { coef: number[] }, b: { coef: number[] }) => Math.abs(b.coef[0]) - Math.abs(a.coef[0]))
      .slice(0, 8)
      .map((t: { name: string; sourceNames: string[]; coef: number[]; sources: number[]; relativeError: number; recallBefore: number; recallAfter: number }) =>
        [t.name, t.sourceNames.slice(0, 3).join(''), t.coef.slice(0, 3).map((c) => c.toFixed(3)).join(' '), t.sources.length, (100 * t.relativeError).toFixed(2), 4 * t.recallBefore, 4 * t.recallAfter]);
    expect(strongest).toEqual([
      ['毛', '笔壬乏', '0.437 0.185 0.173', 21, '1.37', 4, 4],
      ['御', '剖偷酒', '0.430 0.225 0.222', 25, '1.93', 4, 3],
      ['卡', '版丰干', '0.401 0.143 0.142', 23, '1.73', 4, 2],
      ['鲸', '颤综旭', '0.397 0.145 -0.145', 20, '1.12', 4, 4],
      ['级', '织绕脖', '0.392 0.233 -0.188', 26, '0.98', 4, 4],
      ['泵', '黍冗怯', '0.388 0.138 -0.115', 28, '1.47', 4, 4],
      ['笔', '毛笼毕', '0.379 0.249 0.169', 25, '1.01', 4, 4],
      ['行', '何存希', '0.378 0.355 0.106', 19, '0.97', 4, 4],
    ]);
    const after = rep.targets.map((t: { accuracyAfter: number }) => t.accuracyAfter);
    expect([Math.min(...after), Math.max(...after)]).toEqual([0.9965, 0.998]);
    expect(after.reduce((a: number, b: number) => a + b, 0) / 1000).toBeCloseTo(0.99745, 4);
    expect(rep.targets.reduce((a: number, t: { sources: number[] }) => a + t.sources.length, 0) / 1000).toBeCloseTo(25.6, 1);
    expect(fs.readFileSync(path.join(dir, 'deps.dot'), 'utf8')).toContain('"468" [label="毛"];');
  });

  it('cross logits.npy <- logits-m2.npy, centered, λ ratio 0.02', async () => {
    await run('cross', d('logits.npy'), d('logits-m2.npy'), '--rows', '0:8000', '--center', '--lambda-ratio', '0.02', '--eval-rows', '8000:12000', '--labels', d('labels.npy'), '--names', d('classes.json'), '--out', path.join(dir, 'cross.json'), '--quiet');
    const rep = json('cross.json');
    expect(rep.direction).toBe('A<-B');
    expect(rep.evaluation).toEqual({ rows: 4000, accuracyBefore: 0.9975, accuracyAllReplaced: 0.98025 });
    expect(accuracyAllReplaced(A, B, rep.targets)).toBe(0.98025);
    // the same character of the other model is the strongest source of 889 of the 1000 categories
    expect(rep.targets.filter((t: { target: number; sources: number[] }) => t.sources[0] === t.target).length).toBe(889);
    expect(rep.targets.reduce((a: number, t: { sources: number[] }) => a + t.sources.length, 0) / 1000).toBeCloseTo(27.7, 1);
  });

  it('unseen 900:1000 from model B and from 4 examples', async () => {
    const err = await run('unseen', d('logits.npy'), d('logits-m2.npy'), '--labels', d('labels.npy'), '--unseen', '900:1000', '--fit-rows', '0:8000', '--eval-rows', '8000:12000', '--examples', '4', '--out', path.join(dir, 'unseen.json'));
    const r = json('unseen.json');
    expect(r.evalUnseenRows).toBe(400);
    expect([r.original.accuracy, r.original.accuracyUnseen]).toEqual([0.9975, 0.995]);
    expect([r.knownOnly.accuracy, r.knownOnly.accuracyUnseen]).toEqual([0.898, 0]);
    expect([r.fromModel.accuracy, r.fromModel.accuracyUnseen]).toEqual([0.99025, 0.935]);
    expect([r.fromExamples.accuracy, r.fromExamples.accuracyUnseen]).toEqual([0.97375, 0.7675]);
    expect(err).toContain('unseen logits from model B');
  });

  it('centered covariance spectrum: numerical rank 107 (rows 0..7999, float64)', async () => {
    const S = await covariance(new Matrix(8000, 1000, Float64Array.from(A.sliceRows(0, 8000).data)), { center: true });
    const { values } = symmetricEigen(S.data, 1000, false);
    expect(numericalRank(values)).toBe(107);
    expect(values[1000 - 103]).toBeGreaterThan(1); // 103 eigenvalues > 1, then 4 in 1e-6..1e-2, then ~4e-11
    expect(values[1000 - 108]).toBeLessThan(1e-9);
  });

  it('dependencyScaling: rank saturates at 107', async () => {
    const rows = await dependencyScaling(A.sliceRows(0, 8000), { sizes: [100, 200, 500, 1000], lambdaRatio: 0.02, thresholds: [0.02] });
    expect(rows.map((r) => r.rank)).toEqual([100, 107, 107, 107]);
    expect(rows.map((r) => (100 * r.meanRelativeError).toFixed(1))).toEqual(['2.6', '2.0', '1.6', '1.4']);
    expect(rows.map((r) => r.below[0].count)).toEqual([20, 114, 413, 909]);
    expect(rows.map((r) => r.meanNnz.toFixed(1))).toEqual(['22.4', '23.4', '24.9', '25.6']);
  });

  it('λ chosen by recall vs the literature 0.02 (first 20 categories)', async () => {
    const r = await chooseLambdaByRecall(A, A, labels, { fitRows: [0, 8000], evalRows: [8000, 12000], center: true, targets: Array.from({ length: 20 }, (_, i) => i) });
    for (const t of r.targets) {
      if (t.chosen) {
        expect(t.chosen.recall).toBeGreaterThanOrEqual(t.recallBefore);
        expect(t.chosen.accuracy).toBeGreaterThanOrEqual(t.accuracyBefore);
      }
      expect(t.reference.lambdaRatio).toBe(0.02);
    }
    expect(r.targets.filter((t) => t.chosen).length).toBeGreaterThanOrEqual(19);
  });
});
