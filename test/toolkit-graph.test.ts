/** Graph export and the dependency regulariser (finite differences). */
import { describe, expect, it } from '@jest/globals';
import { dependencyGraph, dependencyRegularizer, toDOT, toGraphML, toJSON } from '../lib';
import { gaussian } from './support/reference-lasso';

const report = {
  targets: [
    { target: 0, name: '晦', sources: [1, 2], sourceNames: ['悔', 'a"b\\c'], coef: [0.8, -0.05] },
    { target: 3, name: '<&>', sources: [0], sourceNames: ['晦'], coef: [0.5] },
    { target: 1, name: '悔', sources: [], sourceNames: [], coef: [] },
  ],
};

describe('dependencyGraph', () => {
  it('nodes named by class names, edges source → target weighted by coefficients', () => {
    const g = dependencyGraph(report);
    expect(g.nodes.map((n) => [n.id, n.name])).toEqual([['0', '晦'], ['1', '悔'], ['2', 'a"b\\c'], ['3', '<&>']]);
    expect(g.edges).toEqual([
      { source: '1', target: '0', weight: 0.8 },
      { source: '2', target: '0', weight: -0.05 },
      { source: '0', target: '3', weight: 0.5 },
    ]);
    expect(dependencyGraph(report, { minWeight: 0.1 }).edges.length).toBe(2);
    expect(JSON.parse(toJSON(g))).toEqual(g);
    const cross = dependencyGraph(report, { crossModel: { targetModel: 'A', sourceModel: 'B' }, sourceNames: ['x', 'y', 'z'] });
    expect(cross.edges[0]).toEqual({ source: 'B:1', target: 'A:0', weight: 0.8 });
    expect(cross.nodes.find((n) => n.id === 'B:1')!.name).toBe('y');
  });

  it('DOT escapes quotes and backslashes and keeps CJK names', () => {
    const dot = toDOT(dependencyGraph(report));
    expect(dot).toContain('"0" [label="晦"];');
    expect(dot).toContain('"2" [label="a\\"b\\\\c"];');
    expect(dot).toContain('"1" -> "0" [weight=0.8, label="0.8"];');
    expect(dot).toContain('"2" -> "0" [weight=0.05, label="-0.05"];');
    expect(dot.startsWith('digraph "dependencies" {')).toBe(true);
    // every quoted string is well formed: strip escaped characters, quotes are balanced per line
    for (const line of dot.split('\n')) expect((line.replace(/\\./g, '').match(/"/g) ?? []).length % 2).toBe(0);
  });

  it('GraphML escapes XML and round-trips the names', () => {
    const xml = toGraphML(dependencyGraph(report));
    expect(xml).toContain('<data key="name">&lt;&amp;&gt;</data>');
    expect(xml).toContain('<data key="name">a&quot;b\\c</data>');
    expect(xml).toContain('<data key="name">晦</data>');
    expect(xml).toContain('<edge id="e0" source="1" target="0"><data key="weight">0.8</data></edge>');
    const names = [...xml.matchAll(/<data key="name">([^<]*)<\/data>/g)].map((m) =>
      m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&'));
    expect(names).toEqual(['晦', '悔', 'a"b\\c', '<&>']);
    expect(xml).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
  });
});

describe('dependencyRegularizer', () => {
  const deps = [
    { target: 0, sources: [1, 2], coef: [0.7, -0.3], intercept: 0.1 },
    { target: 3, sources: [0, 4], coef: [0.5, 0.25] },
    { target: 2, sources: [3], coef: [1.2] },
  ];
  const rows = 6, cols = 5;
  const g = gaussian(1);
  const batch = Float32Array.from({ length: rows * cols }, () => g());

  it('value equals the direct sum', () => {
    const w = [1, 0.5, 2];
    const reg = dependencyRegularizer({ targets: deps }, { weights: w });
    let want = 0;
    deps.forEach((d, i) => {
      let s = 0;
      for (let n = 0; n < rows; n++) {
        let r = batch[n * cols + d.target] - (d.intercept ?? 0);
        d.sources.forEach((j, q) => (r -= d.coef[q] * batch[n * cols + j]));
        s += r * r;
      }
      want += (w[i] * s) / rows;
    });
    expect(reg.value(batch, rows, cols)).toBeCloseTo(want, 12);
    expect(() => reg.value(batch, rows, cols + 1)).toThrow();
    expect(() => dependencyRegularizer(deps, { weights: [1] })).toThrow(/weights/);
  });

  it('gradient matches central finite differences', () => {
    const reg = dependencyRegularizer(deps, { weights: [1, 0.5, 2] });
    const x = Float64Array.from(batch);
    const { value, gradient } = reg.valueAndGradient(x, rows, cols);
    expect(gradient).toBeInstanceOf(Float32Array);
    expect(value).toBeCloseTo(reg.value(x, rows, cols), 14);
    const h = 1e-5;
    for (let k = 0; k < x.length; k++) {
      const p = Float64Array.from(x); p[k] += h;
      const m = Float64Array.from(x); m[k] -= h;
      const fd = (reg.value(p, rows, cols) - reg.value(m, rows, cols)) / (2 * h);
      expect(Math.abs(gradient[k] - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
    }
    expect(reg.gradient(x, rows, cols)).toEqual(gradient);
  });
});
