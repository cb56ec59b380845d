/**
 * `covlasso deps --features h.npy --head W [--bias b]` (issue #11): the factored covariance of a
 * linear head from files. Its report matches `covlasso deps` on the logits H Wᵀ + 1bᵀ (same
 * sources, objectives and intercepts within rounding); the head read from a safetensors checkpoint
 * (single file by name or by default, sharded, tied embedding, bf16) gives the report of the
 * same values read from .npy, byte for byte; soft-capped models, bad names, truncated files and
 * shapes that do not fit are errors with a non-zero exit.
 */
import { describe, expect, it, jest } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeNpySync } from '../lib';
import { gaussian } from '../lib/random';
import { CHILD_PROCESS_TEST_TIMEOUT, runCli } from './support/helpers';
import { bits16, encodeSafetensors, f32, write } from './support/safetensors';

jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const C = 120, d = 16, N = 300;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-factored-cli-'));
const file = (name: string): string => path.join(dir, name);
const g = gaussian(21);
// W's values are bf16-exact (8 significant bits), so the bf16 checkpoint holds the same head.
const bf16Bits = Uint16Array.from({ length: C * d }, () => {
  const v = new Float32Array([0.2 * g()]);
  return new Uint16Array(v.buffer)[1];
});
const W = new Float32Array(new Uint32Array(Array.from(bf16Bits, (b) => b << 16)).buffer);
const bias = Float32Array.from({ length: C }, () => 0.5 * g());
const H = Float32Array.from({ length: N * d }, () => Math.max(0, 0.3 + g()));
const logits = new Float64Array(N * C);
for (let n = 0; n < N; n++) {
  for (let i = 0; i < C; i++) {
    let v = bias[i];
    for (let j = 0; j < d; j++) v += W[i * d + j] * H[n * d + j];
    logits[n * C + i] = v;
  }
}
writeNpySync(file('W.npy'), { dtype: 'float32', shape: [C, d], data: W });
writeNpySync(file('b.npy'), { dtype: 'float32', shape: [C], data: bias });
writeNpySync(file('h.npy'), { dtype: 'float32', shape: [N, d], data: H });
writeNpySync(file('L.npy'), { dtype: 'float64', shape: [N, C], data: logits });

const common = ['--center', '--targets', '0:8', '--tol', '1e-10', '--rows', '0:250'];

/** Byte-equal reports (compared as booleans: a failure must not print two whole reports). */
function expectSameBytes(a: string, b: string): void {
  expect(a.length).toBe(b.length);
  expect(a === b).toBe(true);
}

function deps(...args: string[]): string {
  const out = file(`out-${Math.random().toString(36).slice(2)}.json`);
  const r = runCli('deps', ...args, ...common, '--out', out);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return fs.readFileSync(out, 'utf8');
}

interface Report { samples: number; center: boolean; targets: { target: number; sources: number[]; objective: number; intercept: number; converged: boolean }[] }

describe('covlasso deps --features --head', () => {
  const viaNpy = deps('--features', file('h.npy'), '--head', file('W.npy'), '--bias', file('b.npy'));

  it('reports what deps reports on the logits H Wᵀ + b', () => {
    const f = JSON.parse(viaNpy) as Report;
    const l = JSON.parse(deps(file('L.npy'))) as Report;
    expect(f.samples).toBe(250);
    expect(f.center).toBe(true);
    expect(f.targets.length).toBe(8);
    f.targets.forEach((t, k) => {
      const o = l.targets[k];
      expect(t.converged && o.converged).toBe(true);
      expect([...t.sources].sort()).toEqual([...o.sources].sort());
      expect(Math.abs(t.objective - o.objective)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(o.objective)));
      expect(t.intercept).toBeCloseTo(o.intercept, 8);
    });
  });

  it('reads the head and bias from safetensors checkpoints: by name, by default, sharded, tied, bf16', () => {
    const single = write(file('model.safetensors'), encodeSafetensors({ 'lm_head.weight': f32([C, d], W), 'lm_head.bias': f32([C], bias) }));
    expectSameBytes(deps('--features', file('h.npy'), '--head', `${single}:lm_head.weight`, '--bias', `${single}:lm_head.bias`), viaNpy);
    expectSameBytes(deps('--features', file('h.npy'), '--head', single, '--bias', file('b.npy')), viaNpy);

    const sharded = file('sharded');
    fs.mkdirSync(sharded);
    write(path.join(sharded, 'a.safetensors'), encodeSafetensors({ 'model.norm.weight': f32([d], new Float32Array(d)) }));
    write(path.join(sharded, 'b.safetensors'), encodeSafetensors({ 'lm_head.weight': bits16('BF16', [C, d], bf16Bits) }));
    fs.writeFileSync(path.join(sharded, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { 'model.norm.weight': 'a.safetensors', 'lm_head.weight': 'b.safetensors' } }));
    expectSameBytes(deps('--features', file('h.npy'), '--head', sharded, '--bias', file('b.npy')), viaNpy);

    const tied = file('tied');
    fs.mkdirSync(tied);
    write(path.join(tied, 'model.safetensors'), encodeSafetensors({ 'model.embed_tokens.weight': f32([C, d], W) }));
    fs.writeFileSync(path.join(tied, 'config.json'), JSON.stringify({ tie_word_embeddings: true }));
    expectSameBytes(deps('--features', file('h.npy'), '--head', tied, '--bias', file('b.npy')), viaNpy);
  });

  it('refuses soft-capped models, bad names, truncated files and shapes that do not fit', () => {
    const capped = file('capped');
    fs.mkdirSync(capped);
    write(path.join(capped, 'model.safetensors'), encodeSafetensors({ 'lm_head.weight': f32([C, d], W) }));
    fs.writeFileSync(path.join(capped, 'config.json'), JSON.stringify({ final_logit_softcapping: 30 }));
    const fail = (...args: string[]): string => {
      const r = runCli('deps', ...args);
      expect(r.status).not.toBe(0);
      return r.stderr;
    };
    expect(fail('--features', file('h.npy'), '--head', capped)).toMatch(/not a linear head/);
    expect(fail('--features', file('h.npy'), '--head', `${path.join(capped, 'model.safetensors')}:lm_head.weight`)).toMatch(/not a linear head/);
    expect(fail('--features', file('h.npy'), '--head', `${file('model.safetensors')}:no.such.tensor`)).toMatch(/no\.such\.tensor/);
    const whole = fs.readFileSync(file('model.safetensors'));
    write(file('cut.safetensors'), whole.subarray(0, whole.length - 10));
    expect(fail('--features', file('h.npy'), '--head', `${file('cut.safetensors')}:lm_head.weight`)).toMatch(/truncated|ERR_COVLASSO_SAFETENSORS_FORMAT|ends/);
    expect(fail('--features', file('h.npy'), '--head', file('L.npy'))).toMatch(/columns|C×d/);
    expect(fail('--features', file('h.npy'), '--head', file('W.npy'), '--bias', file('h.npy'))).toMatch(/--bias/);
    expect(fail('--features', file('h.npy'))).toMatch(/--features and --head go together/);
    expect(fail(file('L.npy'), '--features', file('h.npy'), '--head', file('W.npy'))).toMatch(/exactly one/);
    expect(fail('--features', file('h.npy'), '--head', file('W.npy'), '--covariance-dtype', 'float32')).toMatch(/does not apply/);
  });
});
