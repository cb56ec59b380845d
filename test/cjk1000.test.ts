/**
 * Real logits: all 1000 CovLassos of ../shared/data/cjk1000 (rows 0..7999, second moment,
 * lambdaRatio 0.1) against scikit-learn's objectives (test/fixtures), with every certificate
 * recomputed here from the returned coefficients. Skipped, visibly, when the data is absent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { CovLassoResult, Matrix, covLasso, covariance, readNpy } from '../lib';
import { mulberry32 } from './support/reference-lasso';
import { recompute } from './support/helpers';

const DATA_DIR = path.resolve(__dirname, '../../shared/data/cjk1000');
const LOGITS = path.join(DATA_DIR, 'logits.npy');
const FIXTURE = path.join(__dirname, 'fixtures', 'sklearn-cjk1000-rows0-8000-r0.1.json');
const present = fs.existsSync(LOGITS);

interface SklearnTarget {
  target: number;
  lambda: number;
  lambdaMax: number;
  objective: number;
  nnz: number;
  converged: boolean;
}

const suite = present ? describe : describe.skip;
// eslint-disable-next-line no-console
if (!present) console.warn(`cjk1000 tests skipped: ${LOGITS} not found`);
const title = present ? 'cjk1000 real logits (rows 0..7999, lambdaRatio 0.1)' : `cjk1000 real logits: SKIPPED, ${LOGITS} not found`;

suite(title, () => {
  const C = 1000;
  const ROWS = 8000;
  let F: Matrix;
  let S: Matrix;
  let result: CovLassoResult;
  let sklearn: SklearnTarget[];
  let seconds = 0;

  beforeAll(async () => {
    const arr = await readNpy(LOGITS);
    expect(arr.dtype).toBe('float32');
    expect(arr.shape[1]).toBe(C);
    F = new Matrix(arr.shape[0], C, arr.data as Float32Array).sliceRows(0, ROWS);
    // float64 products: the same S as scikit-learn's float64 Gram, to compare objectives at 1e-6·S_ii.
    S = await covariance(F, { productPrecision: 'float64' });
    const t0 = Date.now();
    result = await covLasso(S, { lambdaRatio: 0.1 });
    seconds = (Date.now() - t0) / 1000;
    const fixture = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as { rows: number[]; lambdaRatio: number; center: boolean; targets: SklearnTarget[] };
    expect(fixture.rows).toEqual([0, ROWS]);
    expect(fixture.lambdaRatio).toBe(0.1);
    expect(fixture.center).toBe(false);
    sklearn = fixture.targets;
    expect(sklearn.length).toBe(C);
  });

  it('S matches naive float64 sums on 200 random entries', () => {
    const u = mulberry32(2024);
    const x = F.data;
    for (let q = 0; q < 200; q++) {
      const a = Math.floor(u() * C);
      const b = q < 20 ? a : Math.floor(u() * C);
      let sab = 0;
      let saa = 0;
      let sbb = 0;
      for (let i = 0; i < ROWS; i++) {
        sab += x[i * C + a] * x[i * C + b];
        saa += x[i * C + a] * x[i * C + a];
        sbb += x[i * C + b] * x[i * C + b];
      }
      const scale = Math.sqrt(saa * sbb) / ROWS;
      expect(Math.abs(S.data[a * C + b] - sab / ROWS)).toBeLessThanOrEqual(1e-12 * scale);
    }
  });

  it('every target converged, lambdas agree with scikit-learn, objectives <= sklearn + 1e-6 S_ii', () => {
    expect(result.targets.length).toBe(C);
    let worse = 0;
    for (let i = 0; i < C; i++) {
      const ref = sklearn[i];
      expect(ref.target).toBe(i);
      const d = S.data[i * C + i];
      expect(result.converged[i]).toBe(1);
      expect(Math.abs(result.lambdaMax[i] - ref.lambdaMax)).toBeLessThanOrEqual(1e-9 * ref.lambdaMax);
      expect(Math.abs(result.lambda[i] - ref.lambda)).toBeLessThanOrEqual(1e-9 * ref.lambda);
      expect(result.gap[i]).toBeLessThanOrEqual(1e-6 * d);
      if (!(result.objective[i] <= ref.objective + 1e-6 * d)) worse++;
    }
    expect(worse).toBe(0);
    // eslint-disable-next-line no-console
    console.log(`cjk1000: 1000 CovLassos in ${seconds.toFixed(2)} s`);
  });

  it('the certificate recomputed from the coefficients is <= 1e-6 S_ii for all 1000 targets', () => {
    const Sd = S.data as Float64Array;
    let failures = 0;
    let worst = 0;
    for (let i = 0; i < C; i++) {
      const rc = recompute(Sd, C, i, result.lambda[i], result.coef, i);
      expect(rc.beta[i]).toBe(0);
      const rel = rc.gap / rc.d;
      worst = Math.max(worst, rel);
      if (!(rc.gap <= 1e-6 * rc.d + 1e-12 * rc.d)) failures++;
      if (!(Math.abs(result.objective[i] - rc.objective) <= 1e-10 * rc.d)) failures++;
    }
    expect(failures).toBe(0);
    expect(worst).toBeLessThanOrEqual(1e-6 + 1e-12);
  });
});
