/**
 * The toolkit's CLI additions (`deps --eval-rows/--eval --labels --graph`, `cross`, `unseen`),
 * run in-process through `main()`, checked against the library calls they wrap.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Matrix, crossDependencies, evaluateReplacement, findDependencies, unseenCategories, writeNpySync } from '../lib';
import { main } from '../lib/cli/main';
import { gaussian } from './support/reference-lasso';

let dir = '';
const n = 600, c = 12;
let A: Matrix, B: Matrix;
const labels = new Int32Array(n);
const f = (name: string): string => path.join(dir, name);
const read = (name: string): any => JSON.parse(fs.readFileSync(f(name), 'utf8')); // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-toolkit-cli-'));
  const g = gaussian(21);
  const r = 5;
  const W = Float64Array.from({ length: r * c }, () => g());
  const a = new Float32Array(n * c), b = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    labels[i] = i % c;
    const h = Array.from({ length: r }, () => g());
    for (let j = 0; j < c; j++) {
      let v = j === labels[i] ? 2 : 0;
      for (let k = 0; k < r; k++) v += h[k] * W[k * c + j] * 0.5;
      a[i * c + j] = v + 0.3 * g();
      b[i * c + j] = 0.8 * v + 0.3 * g();
    }
  }
  A = new Matrix(n, c, a);
  B = new Matrix(n, c, b);
  writeNpySync(f('a.npy'), { shape: [n, c], data: a });
  writeNpySync(f('b.npy'), { shape: [n, c], data: b });
  writeNpySync(f('labels.npy'), { shape: [n], data: labels });
  writeNpySync(f('labels64.npy'), { shape: [n], data: BigInt64Array.from(labels, (v) => BigInt(v)) });
  fs.writeFileSync(f('names.json'), JSON.stringify({ classes: Array.from({ length: c }, (_, i) => (i === 1 ? 'a"<&>' : `字${i}`)) }));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<number> {
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return await main(argv);
  } finally {
    spy.mockRestore();
  }
}

describe('covlasso deps --eval*', () => {
  it('--eval-rows with --labels adds accuracy/recall per target and overall; --graph writes DOT', async () => {
    expect(await run('deps', f('a.npy'), '--rows', '0:400', '--eval-rows', '400:600', '--labels', f('labels64.npy'), '--names', f('names.json'), '--graph', f('g.dot'), '--out', f('d.json'), '--quiet')).toBe(0);
    const rep = read('d.json');
    const lib = await findDependencies(A, { rows: [0, 400] });
    const ev = evaluateReplacement(A, labels, lib, { rows: [400, 600] });
    expect(rep.evaluation).toEqual({ rows: 200, accuracyBefore: ev.accuracyBefore, accuracyAllReplaced: ev.accuracyAllReplaced });
    rep.targets.forEach((t: Record<string, number>, k: number) => {
      expect(t.accuracyAfter).toBe(ev.targets[k].accuracyAfter);
      expect(t.recallBefore).toBe(ev.targets[k].recallBefore);
      expect(t.recallAfter).toBe(ev.targets[k].recallAfter);
      expect(t.accuracyBefore).toBe(ev.accuracyBefore);
    });
    const dot = fs.readFileSync(f('g.dot'), 'utf8');
    expect(dot).toContain('[label="字0"]');
    expect(dot).toContain('[label="a\\"<&>"]');
  });

  it('--eval other.npy, GraphML and JSON graphs; usage errors', async () => {
    writeNpySync(f('ev.npy'), { shape: [200, c], data: (A.data as Float32Array).slice(400 * c) });
    writeNpySync(f('evl.npy'), { shape: [200], data: labels.slice(400) });
    expect(await run('deps', f('a.npy'), '--rows', '0:400', '--eval', f('ev.npy'), '--labels', f('evl.npy'), '--graph', f('g.graphml'), '--out', f('d2.json'))).toBe(0);
    expect(read('d2.json').evaluation).toEqual(read('d.json').evaluation);
    expect(fs.readFileSync(f('g.graphml'), 'utf8')).toContain('<graphml');
    expect(await run('deps', f('a.npy'), '--graph', f('g.json'), '--out', f('d3.json'))).toBe(0);
    expect(read('g.json').edges.length).toBe(read('d3.json').targets.reduce((s: number, t: { sources: number[] }) => s + t.sources.length, 0));
    expect(await run('deps', f('a.npy'), '--eval-rows', '0:10')).toBe(2);
    expect(await run('deps', f('a.npy'), '--eval-rows', '0:10', '--labels', f('a.npy'))).toBe(2);
    expect(await run('deps', f('a.npy'), '--graph', f('g.png'))).toBe(2);
  });
});

describe('covlasso cross / unseen', () => {
  it('cross writes the library report (targets index A, sources B), evaluated, with a graph', async () => {
    expect(await run('cross', f('a.npy'), f('b.npy'), '--rows', '0:400', '--center', '--lambda-ratio', '0.05', '--eval-rows', '400:600', '--labels', f('labels.npy'), '--graph', f('x.dot'), '--out', f('x.json'))).toBe(0);
    const rep = read('x.json');
    const { aFromB } = await crossDependencies(A, B, { rows: [0, 400], center: true, lambdaRatio: 0.05 });
    expect(rep.direction).toBe('A<-B');
    expect(rep.targets.map((t: { objective: number }) => t.objective)).toEqual(aFromB!.targets.map((t) => t.objective));
    expect(rep.targets.map((t: { intercept: number }) => t.intercept)).toEqual(aFromB!.targets.map((t) => t.intercept));
    const ev = evaluateReplacement(A, labels, aFromB!, { sourceLogits: B, rows: [400, 600] });
    expect(rep.evaluation.accuracyAllReplaced).toBe(ev.accuracyAllReplaced);
    expect(rep.targets[3].recallAfter).toBe(ev.targets[3].recallAfter);
    expect(fs.readFileSync(f('x.dot'), 'utf8')).toContain('"B:');
    expect(await run('cross', f('a.npy'), f('b.npy'), '--direction', 'both', '--out', f('x2.json'))).toBe(0);
    const both = read('x2.json');
    expect(both.aFromB.direction).toBe('A<-B');
    expect(both.bFromA.direction).toBe('B<-A');
    expect(await run('cross', f('a.npy'))).toBe(2);
    expect(await run('cross', f('a.npy'), f('b.npy'), '--direction', 'sideways')).toBe(2);
  });

  it('unseen matches unseenCategories()', async () => {
    expect(await run('unseen', f('a.npy'), f('b.npy'), '--labels', f('labels.npy'), '--unseen', '9:12', '--fit-rows', '0:400', '--eval-rows', '400:600', '--examples', '3', '--out', f('u.json'))).toBe(0);
    const { format, version, ...got } = read('u.json');
    expect([format, version]).toEqual(['covlasso-unseen', 1]);
    const want = await unseenCategories(A, labels, { unseen: [9, 10, 11], fitRows: [0, 400], evalRows: [400, 600], logitsB: B, examples: 3 });
    expect(got).toEqual(JSON.parse(JSON.stringify(want)));
    expect(await run('unseen', f('a.npy'), '--labels', f('labels.npy'), '--unseen', '9:12', '--fit-rows', '0:400', '--eval-rows', '400:600')).toBe(2);
  });
});
