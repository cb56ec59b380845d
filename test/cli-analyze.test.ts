/**
 * `covlasso diagnose` and `covlasso choose` as a user runs them (the compiled CLI), checked
 * against quantities known by construction or computed directly.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { covarianceSync, evaluateReplacement, Matrix, writeNpySync } from '../lib';
import { randomLogits } from './support/reference-lasso';
import { runCli, CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';

// Child processes take what the machine takes: no timeout of their own, a generous per-test one.
jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

let dir = '';
const n = 900;
const c = 24;
const width = 6;
let F: Float64Array;
let labels: Int32Array;

const cli = runCli;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-analyze-'));
  F = randomLogits(n, c, 41, { rank: width }); // a width-6 head plus a bias: second moment of rank 7
  labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let j = 0; j < c; j++) if (F[i * c + j] + 0.3 * Math.sin(7 * i + j) > best) (best = F[i * c + j] + 0.3 * Math.sin(7 * i + j)), (labels[i] = j);
  }
  writeNpySync(path.join(dir, 'logits.npy'), { shape: [n, c], data: F });
  writeNpySync(path.join(dir, 'labels.npy'), { shape: [n], data: labels });
});

describe('covlasso diagnose', () => {
  it('reports the rank the head fixes, the spectrum and λ_max of the covariance, and the scaling', () => {
    const out = path.join(dir, 'diag.json');
    const r = cli('diagnose', path.join(dir, 'logits.npy'), '--sizes', '4,12,24', '--thresholds', '0.01,0.1', '--out', out);
    expect(r.status).toBe(0);
    const { diagnostics: d, scaling, samples } = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(samples).toBe(n);
    expect(d.rank).toBe(width + 1);
    expect(d.spectrum).toHaveLength(c);
    for (let k = 1; k < c; k++) expect(d.spectrum[k]).toBeLessThanOrEqual(d.spectrum[k - 1]);
    const S = covarianceSync(new Matrix(n, c, F), { productPrecision: 'float64' }).data;
    let trace = 0;
    for (let t = 0; t < c; t++) {
      trace += S[t * c + t];
      let max = 0;
      for (let j = 0; j < c; j++) if (j !== t) max = Math.max(max, Math.abs(S[j * c + t]));
      expect(d.lambdaMax[t]).toBeCloseTo(max, 12);
    }
    expect(d.spectrum.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(trace, 8);
    // with rank 7 < 23 other categories, every category is an exact combination of the others
    expect(d.bestBelow.find((b: { threshold: number }) => b.threshold === 0.01).count).toBe(c);
    expect(scaling.map((s: { rank: number }) => s.rank)).toEqual([4, width + 1, width + 1]);
  });
});

describe('covlasso choose', () => {
  it('keeps each chosen dependency within the tolerances on the evaluation rows, beside the 0.02 solution', () => {
    const out = path.join(dir, 'choose.json');
    const r = cli('choose', path.join(dir, 'logits.npy'), '--labels', path.join(dir, 'labels.npy'), '--fit-rows', '0:600', '--eval-rows', '600:900',
      '--targets', '0:6', '--recall-tolerance', '0.05', '--accuracy-tolerance', '0.01', '--out', out);
    expect(r.status).toBe(0);
    const report = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(report.targets).toHaveLength(6);
    expect(report.evalRows).toBe(300);
    let chosen = 0;
    for (const t of report.targets) {
      expect(t.reference.lambdaRatio).toBe(0.02);
      if (t.chosen === null) continue;
      chosen++;
      expect(t.chosen.recall).toBeGreaterThanOrEqual(t.recallBefore - 0.05 - 1e-12);
      expect(t.chosen.accuracy).toBeGreaterThanOrEqual(t.accuracyBefore - 0.01 - 1e-12);
      // the reported accuracy is what replacing the logit really gives
      const ev = evaluateReplacement(new Matrix(n, c, F), labels, { targets: [{ target: t.target, ...t.chosen }] }, { rows: [600, 900] });
      expect(ev.targets[0].accuracyAfter).toBeCloseTo(t.chosen.accuracy, 12);
      expect(ev.targets[0].recallAfter).toBeCloseTo(t.chosen.recall, 12);
    }
    expect(chosen).toBeGreaterThan(0);
  });

  it('needs --labels, --fit-rows and --eval-rows (exit 2, one line)', () => {
    const r = cli('choose', path.join(dir, 'logits.npy'), '--fit-rows', '0:600', '--eval-rows', '600:900');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--labels/);
  });
});
