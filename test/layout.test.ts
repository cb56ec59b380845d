/**
 * The shape of lib/: subsystems in layers, no import cycles, nothing in a lower layer importing a
 * higher one, and lib/index.ts the public entry point, with lib/queue/index.ts (`covlasso/queue`,
 * the only place that loads the optional peer dependency bullmq) the one other that package.json's
 * exports name; nothing lib/index.ts reaches is in lib/queue.
 */
import { describe, expect, it } from '@jest/globals';
import * as fs from 'node:fs';
import * as path from 'node:path';

const lib = path.resolve(__dirname, '..', 'lib');

/** Layers, lowest first: a module may import its own layer's modules and lower layers only. */
const LAYERS: string[][] = [
  ['runtime', 'random.ts'],
  ['npy', 'safetensors'],
  ['covariance'],
  ['lasso'],
  ['dependencies'],
  ['toolkit'],
  ['distributed'],
  ['queue'],
  ['report'],
  ['cli'],
  ['index.ts'],
];

function sourceFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
}

function subsystem(file: string): string {
  return path.relative(lib, file).split(path.sep)[0];
}

function layerOf(file: string): number {
  const name = subsystem(file);
  const layer = LAYERS.findIndex((names) => names.includes(name));
  if (layer < 0) throw new Error(`${path.relative(lib, file)} is in no layer of test/layout.test.ts`);
  return layer;
}

function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base + '.ts', path.join(base, 'index.ts')]) if (fs.existsSync(candidate)) return candidate;
  throw new Error(`${path.relative(lib, from)}: cannot resolve '${spec}'`);
}

/** Each lib/ file's relative imports (static, `export ... from` and `import type` alike). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(lib)) {
    const text = fs.readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/g)].map((m) => m[1]);
    graph.set(file, specs.map((s) => resolveImport(file, s)).filter((f): f is string => f !== undefined));
  }
  return graph;
}

describe('lib/ layout', () => {
  const graph = importGraph();

  it('reads a real import graph', () => {
    expect(graph.size).toBeGreaterThan(40);
    expect(graph.get(path.join(lib, 'index.ts'))!.length).toBeGreaterThan(5);
  });

  it('has no import cycles', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, stack: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...stack.slice(stack.indexOf(file)), file].map((f) => path.relative(lib, f)).join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...stack, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('never imports a higher layer from a lower one', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      for (const target of imports) {
        if (layerOf(target) > layerOf(file)) upward.push(`${path.relative(lib, file)} -> ${path.relative(lib, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('exposes lib/index.ts and lib/queue/index.ts (covlasso/queue) as the only public entry points', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(lib, '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports).sort()).toEqual(['.', './package.json', './queue']);
  });

  it('keeps bullmq out of the core: lib/index.ts never reaches lib/queue, and only lib/queue names bullmq', () => {
    const reached = new Set<string>();
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const next of graph.get(file) ?? []) visit(next);
    };
    visit(path.join(lib, 'index.ts'));
    expect([...reached].filter((f) => subsystem(f) === 'queue')).toEqual([]);
    const naming = sourceFiles(lib).filter((f) => subsystem(f) !== 'queue' && /['"]bullmq['"]/.test(fs.readFileSync(f, 'utf8')));
    expect(naming.map((f) => path.relative(lib, f))).toEqual([]);
  });
});
