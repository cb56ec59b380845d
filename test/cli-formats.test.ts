/**
 * Every JSON file the CLI writes carries `format` and `version` and conforms to its JSON Schema,
 * shipped in schema/ (package.json "files"); `covlasso report` checks its input against the
 * schema and says what is wrong in one line (ERR_COVLASSO_JSON_FORMAT), and still reads files
 * written before format/version. Also the small validator itself, and the progress bar's ETA.
 */
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeNpySync } from '../lib';
import { CLI_FORMATS, CliFormat, loadSchema, schemaFile } from '../lib/cli/formats';
import { checkSchemaSubset, JsonSchema, validateJson } from '../lib/cli/schema';
import { formatDuration, ProgressBar } from '../lib/cli/progress';
import { randomLogits } from './support/reference-lasso';
import { CHILD_PROCESS_TEST_TIMEOUT, runCli } from './support/helpers';

// Child processes take what the machine takes: no timeout of their own, a generous per-test one.
jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const root = path.resolve(__dirname, '..');
let dir = '';
const file = (name: string): string => path.join(dir, name);
const n = 500;
const c = 12;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-cli-formats-'));
  const A = randomLogits(n, c, 3, { rank: 5, float32: true });
  const B = randomLogits(n, c, 4, { rank: 5, float32: true });
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let j = 0; j < c; j++) if (A[i * c + j] > best) (best = A[i * c + j]), (labels[i] = j);
  }
  writeNpySync(file('a.npy'), { shape: [n, c], data: A });
  writeNpySync(file('b.npy'), { shape: [n, c], data: B });
  writeNpySync(file('labels.npy'), { shape: [n], data: labels });
  fs.writeFileSync(file('names.json'), JSON.stringify(Array.from({ length: c }, (_, j) => `class ${j}`)));
});

describe('the validator', () => {
  const schema: JsonSchema = {
    type: 'object',
    required: ['a', 'list'],
    properties: {
      a: { type: 'integer', minimum: 0 },
      list: { type: 'array', items: { $ref: '#/$defs/item' } },
      kind: { enum: ['x', 'y'] },
      fixed: { const: 1 },
      maybe: { anyOf: [{ type: 'null' }, { type: 'string' }] },
      closed: { type: 'object', additionalProperties: false, properties: { ok: { type: 'boolean' } } },
    },
    $defs: { item: { type: 'object', required: ['v'], properties: { v: { type: ['number', 'null'] } } } },
  };

  it.each([
    [{ a: 1, list: [{ v: 1.5 }, { v: null }], kind: 'x', fixed: 1, maybe: null, closed: { ok: true } }, undefined],
    [[], '(top level): expected object, got array'],
    [{ list: [] }, '(top level): missing required property "a"'],
    [{ a: 1.5, list: [] }, '/a: expected integer, got 1.5'],
    [{ a: -1, list: [] }, '/a: -1 is below the minimum 0'],
    [{ a: 1, list: [{ v: 1 }, { v: 'one' }] }, '/list/1/v: expected number or null, got "one"'],
    [{ a: 1, list: [{}] }, '/list/0: missing required property "v"'],
    [{ a: 1, list: [], kind: 'z' }, '/kind: expected one of "x", "y", got "z"'],
    [{ a: 1, list: [], fixed: 2 }, '/fixed: expected 1, got 2'],
    [{ a: 1, list: [], maybe: 3 }, '/maybe: expected null, got 3'],
    [{ a: 1, list: [], closed: { ok: true, extra: 1 } }, '/closed: unexpected property "extra"'],
  ])('%j → %s', (value, message) => {
    expect(validateJson(value, schema)).toBe(message);
  });

  it('refuses schemas that use keywords it does not enforce, and unresolved $refs', () => {
    expect(() => checkSchemaSubset(schema)).not.toThrow();
    expect(() => checkSchemaSubset({ type: 'string', pattern: '^a' })).toThrow(/'pattern' is not in the validated subset/);
    expect(() => checkSchemaSubset({ properties: { a: { $ref: '#/$defs/none' } } })).toThrow(/does not resolve/);
  });
});

describe('the shipped schemas', () => {
  it('one per format, in schema/ (listed in package.json "files"), using only what the validator enforces', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('schema/');
    const shipped = fs.readdirSync(path.join(root, 'schema')).sort();
    expect(shipped).toEqual(CLI_FORMATS.map((f) => path.basename(schemaFile(f))).sort());
    for (const format of CLI_FORMATS) {
      const schema = loadSchema(format);
      expect(() => checkSchemaSubset(schema)).not.toThrow();
      expect((schema.properties as Record<string, JsonSchema>).format).toEqual({ const: format });
      expect(schema.required).toEqual(expect.arrayContaining(['format', 'version']));
    }
  });

  it('every JSON file the CLI writes starts with its format and version and conforms to its schema', () => {
    const runs: Array<[CliFormat, string[], string]> = [
      ['covlasso-deps', ['deps', file('a.npy'), '--center', '--names', file('names.json'), '--n-lambda', '5', '--eval-rows', '400:500', '--rows', '0:400', '--labels', file('labels.npy'), '--graph', file('g.json'), '-o', file('deps.json')], 'deps.json'],
      ['covlasso-graph', [], 'g.json'],
      ['covlasso-cross', ['cross', file('a.npy'), file('b.npy'), '--eval-rows', '400:500', '--labels', file('labels.npy'), '-o', file('cross.json')], 'cross.json'],
      ['covlasso-cross-both', ['cross', file('a.npy'), file('b.npy'), '--direction', 'both', '-o', file('both.json')], 'both.json'],
      ['covlasso-unseen', ['unseen', file('a.npy'), file('b.npy'), '--labels', file('labels.npy'), '--unseen', '9:12', '--fit-rows', '0:400', '--eval-rows', '400:500', '--examples', '3', '-q', '-o', file('unseen.json')], 'unseen.json'],
      ['covlasso-diagnose', ['diagnose', file('a.npy'), '--sizes', '4,12', '-o', file('diag.json')], 'diag.json'],
      ['covlasso-choose', ['choose', file('a.npy'), '--labels', file('labels.npy'), '--fit-rows', '0:400', '--eval-rows', '400:500', '-t', '0:3', '-o', file('choose.json')], 'choose.json'],
      ['covlasso-bench', ['bench', '--quick', '--no-peers', '-q', '-o', file('bench.json')], 'bench.json'],
    ];
    for (const [format, argv, out] of runs) {
      if (argv.length > 0) {
        const r = runCli(...argv);
        expect([format, r.status, r.stderr]).toEqual([format, 0, expect.any(String)]);
      }
      const text = fs.readFileSync(file(out), 'utf8');
      expect(text.startsWith(`{"format":"${format}","version":1,`)).toBe(true);
      expect([format, validateJson(JSON.parse(text), loadSchema(format))]).toEqual([format, undefined]);
    }
    const info = runCli('info', '--json');
    expect(info.status).toBe(0);
    const parsed = JSON.parse(info.stdout);
    expect([parsed.format, parsed.version, typeof parsed.packageVersion]).toEqual(['covlasso-info', 1, 'string']);
    expect(validateJson(parsed, loadSchema('covlasso-info'))).toBeUndefined();
  });
});

describe('covlasso report checks its input', () => {
  let good: Record<string, unknown>;
  beforeAll(() => {
    expect(runCli('deps', file('a.npy'), '-q', '-o', file('good.json')).status).toBe(0);
    good = JSON.parse(fs.readFileSync(file('good.json'), 'utf8'));
  });

  const report = (doc: unknown, raw?: string): { status: number | null; stderr: string } => {
    fs.writeFileSync(file('in.json'), raw ?? JSON.stringify(doc));
    return runCli('report', file('in.json'), '-o', file('out.html'));
  };

  it('renders a valid file, and one written before format/version (deps and cross)', () => {
    expect(report(good).status).toBe(0);
    const { format: _f, version: _v, ...legacy } = good;
    const r = report(legacy);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.readFileSync(file('out.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/i);
    expect(runCli('cross', file('a.npy'), file('b.npy'), '-o', file('c.json')).status).toBe(0);
    const { format: _cf, version: _cv, ...legacyCross } = JSON.parse(fs.readFileSync(file('c.json'), 'utf8'));
    expect(report(legacyCross).status).toBe(0);
    expect(report({ ...legacyCross, direction: 'sideways' }).stderr).toMatch(/\/direction: expected one of "A<-B", "B<-A", got "sideways"/);
  });

  it.each([
    ['a wrong type deep inside', (g: Record<string, unknown>) => ({ ...g, targets: [{ ...(g.targets as object[])[0], coef: 'x' }] }), /in\.json: not a valid covlasso-deps file: \/targets\/0\/coef: expected array, got "x" \(schema: schema\/deps\.schema\.json\)/],
    ['a missing field', (g: Record<string, unknown>) => ({ ...g, samples: undefined }), /\(top level\): missing required property "samples"/],
    ['a newer version', (g: Record<string, unknown>) => ({ ...g, version: 2 }), /covlasso-deps version 2 is newer than this covlasso reads \(1\): upgrade covlasso/],
    ['another format', (g: Record<string, unknown>) => ({ ...g, format: 'covlasso-unseen' }), /format "covlasso-unseen" is not one this command reads \(covlasso-deps, covlasso-cross\)/],
    ['an array', () => [], /expected a JSON object/],
  ])('refuses %s in one line (exit 1, ERR_COVLASSO_JSON_FORMAT)', (_what, mutate, pattern) => {
    const r = report(mutate(good));
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).toMatch(/\(ERR_COVLASSO_JSON_FORMAT\)$/m);
  });

  it('refuses a file that is not JSON in one line', () => {
    const r = report(undefined, '{"format": "covlasso-deps",');
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/is not JSON .*ERR_COVLASSO_JSON_FORMAT/);
  });
});

describe('the progress bar', () => {
  it('shows the elapsed time and an ETA from the fraction done, redrawn at most 10 times a second', () => {
    let now = 1000;
    const written: string[] = [];
    const stream = { write: (s: string) => written.push(s) } as unknown as NodeJS.WritableStream;
    const bar = new ProgressBar('deps', true, stream, () => now);
    bar.update(0.001);
    expect(written.pop()).toMatch(/deps \[\.{30}\] +0% 0\.0s ETA \?/);
    now += 1000;
    bar.update(0.25);
    expect(written.pop()).toMatch(/\[#{8}\.{22}\] +25% 1\.0s ETA 3\.0s/);
    now += 50;
    bar.update(0.3);
    expect(written).toHaveLength(0); // within 100 ms of the last draw
    now += 1000;
    bar.update(0.5);
    expect(written.pop()).toMatch(/ 50% 2\.0s ETA 2\.0s/);
    now += 200;
    bar.update(1);
    expect(written.pop()).toMatch(/100% 2\.3s done/);
    bar.done();
    expect(written.pop()).toBe('\r\x1b[K');
    const off = new ProgressBar('x', false, stream, () => now);
    off.update(0.5);
    off.done();
    expect(written).toHaveLength(0);
  });

  it.each([[0.04, '0.0s'], [4.25, '4.3s'], [59.9, '59.9s'], [185, '3m05s'], [3725, '1h02m'], [NaN, '?']])('formatDuration(%p) = %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });
});
