/**
 * The package's types as consumers see them: the tarball `npm pack` makes (packed from a staged
 * copy of lib/ built here, without install scripts or a native build) checked by
 * @arethetypeswrong/cli (ESM types for the `import` condition, CJS types for `require`, every
 * resolution mode), and an ESM and a CommonJS consumer compiled against it with
 * moduleResolution node16 and bundler (with skipLibCheck off, so covlasso's own declarations
 * are checked too). Plus the public runtime surface: exactly the names below, nothing internal.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as api from '../lib';
import { CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';

jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const root = path.resolve(__dirname, '..');
const bin = (name: string): string => path.join(root, 'node_modules', '.bin', name);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let work: string;
let tarball: string;
let app: string;

function mustRun(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}) in ${cwd}:\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

/** What the TypeScript build and `npm pack` need, copied (node_modules linked). */
function stage(dest: string): void {
  for (const rel of ['package.json', 'tsconfig.json', 'README.md', 'lib', path.join('scripts', 'write-esm-entry.js')]) {
    fs.cpSync(path.join(root, rel), path.join(dest, rel), { recursive: true });
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dest, 'node_modules'), 'junction');
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-types-'));
  const src = path.join(work, 'src');
  const out = path.join(work, 'out');
  fs.mkdirSync(src);
  fs.mkdirSync(out);
  stage(src);
  mustRun(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], src);
  mustRun(process.execPath, [path.join('scripts', 'write-esm-entry.js')], src);
  mustRun(npm, ['pack', '--ignore-scripts', '--pack-destination', out, '--no-audit', '--no-fund'], src);
  const tgz = fs.readdirSync(out).filter((f) => f.endsWith('.tgz'));
  expect(tgz).toHaveLength(1);
  tarball = path.join(out, tgz[0]);

  // A consumer project: the tarball unpacked as node_modules/covlasso, @types/node linked.
  app = path.join(work, 'app');
  const pkgDir = path.join(app, 'node_modules', 'covlasso');
  fs.mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', pkgDir, '--strip-components=1']);
  fs.mkdirSync(path.join(app, 'node_modules', '@types'));
  fs.symlinkSync(path.join(root, 'node_modules', '@types', 'node'), path.join(app, 'node_modules', '@types', 'node'), 'junction');
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
});

afterAll(() => {
  if (work && !process.env.COVLASSO_KEEP_TMP) fs.rmSync(work, { recursive: true, force: true });
});

describe('@arethetypeswrong/cli on the packed tarball', () => {
  it('finds no problems (no masquerading CJS types behind the import condition) in any resolution mode', () => {
    // attw's JSON goes to a file: a pipe may be cut short when it exits.
    const report = path.join(work, 'attw.json');
    const fd = fs.openSync(report, 'w');
    const r = spawnSync(bin('attw'), [tarball, '--format', 'json'], { cwd: work, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    fs.closeSync(fd);
    if (r.error) throw r.error;
    const json = JSON.parse(fs.readFileSync(report, 'utf8')) as {
      analysis: { problems: Array<{ kind: string }>; entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }> };
    };
    expect(json.analysis.problems.map((p) => p.kind)).toEqual([]);
    const resolutions = json.analysis.entrypoints['.'].resolutions;
    expect(resolutions['node16-esm'].resolution?.fileName).toMatch(/dist\/esm\/index\.d\.mts$/);
    expect(resolutions['node16-cjs'].resolution?.fileName).toMatch(/dist\/cjs\/index\.d\.ts$/);
    expect(r.status).toBe(0);
  });
});

// Uses the types a program needs without casts: NpyArray narrowed on dtype, tensors, .npz, errors.
const CONSUMER_BODY = `
export async function consume(path: string): Promise<number> {
  const a: NpyArray = await readNpy(path, { void2: 'bfloat16' } satisfies NpyReadOptions);
  let n = 0;
  if (a.dtype === 'float32' || a.dtype === 'float64') {
    const m: Matrix = new Matrix(a.shape[0], a.shape[1], a.data);
    n += m.rows;
  }
  if (a.dtype === 'int64') {
    const big: BigInt64Array = a.data;
    n += big.length;
  }
  if (a.dtype === 'float32') {
    const f: Float32Array = a.data;
    const from: 'float16' | 'bfloat16' | undefined = a.widenedFrom;
    n += f.length + (from ? 1 : 0);
  }
  const dtype: NpyFileDtype = (await readNpyHeader(path)).dtype;
  const arrays: Record<string, NpyArray> = await readNpz(path + '.npz', { names: ['logits'] } satisfies NpzReadOptions);
  const tensor: TensorLike = { dims: [2, 3], data: new Float32Array(6), type: 'float32' };
  const input: MatrixInput = tensor;
  const S = covarianceSync(asMatrix(input));
  const options: RunOptions = { threads: 2, backend: 'cpu' satisfies BackendChoice };
  const result: CovLassoResult = await covLasso(S, { lambdaRatio: 0.1, ...options });
  try {
    readNpzSync(path);
  } catch (error) {
    if (error instanceof NpzFormatError) {
      const code: CovlassoErrorCode = error.code;
      n += code.length;
    }
  }
  return n + dtype.length + Object.keys(arrays).length + result.targets.length;
}
`;

const NAMED = 'Matrix, asMatrix, covLasso, covarianceSync, readNpy, readNpyHeader, readNpz, readNpzSync, NpzFormatError';
const TYPES = 'BackendChoice, CovLassoResult, CovlassoErrorCode, MatrixInput, NpyArray, NpyFileDtype, NpyReadOptions, NpzReadOptions, RunOptions, TensorLike';

const ESM_CONSUMER = `
import covlasso, { ${NAMED} } from 'covlasso';
import type { ${TYPES} } from 'covlasso';
${CONSUMER_BODY}
export const same: boolean = covlasso.readNpy === readNpy;
`;

const CJS_CONSUMER = `
import covlasso = require('covlasso');
const { ${NAMED} } = covlasso;
type Api = typeof covlasso;
type Matrix = covlasso.Matrix;
type NpyArray = covlasso.NpyArray;
${TYPES.split(', ')
  .filter((t) => t !== 'NpyArray')
  .map((t) => `type ${t} = covlasso.${t};`)
  .join('\n')}
${CONSUMER_BODY}
export const api: Api = covlasso;
`;

function compile(files: Record<string, string>, compilerOptions: Record<string, unknown>): { status: number; output: string } {
  const dir = fs.mkdtempSync(path.join(app, 'consumer-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const tsconfig = {
    compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', lib: ['ES2022'], types: ['node'], ...compilerOptions },
    files: Object.keys(files),
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, output: r.stdout + r.stderr };
}

describe('consumers compiled against the packed package', () => {
  it('moduleResolution node16: an ES module and a CommonJS module, no casts', () => {
    const r = compile({ 'esm.mts': ESM_CONSUMER, 'cjs.cts': CJS_CONSUMER }, { module: 'node16', moduleResolution: 'node16' });
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('moduleResolution bundler: the same ES module', () => {
    const r = compile({ 'esm.ts': ESM_CONSUMER }, { module: 'esnext', moduleResolution: 'bundler' });
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('the checks have teeth: a wrong narrowing is a type error', () => {
    const wrong = `import { readNpy } from 'covlasso';\nexport async function f(): Promise<Float64Array | undefined> {\n  const a = await readNpy('x.npy');\n  if (a.dtype === 'float32') return a.data;\n  return undefined;\n}\n`;
    const r = compile({ 'wrong.mts': wrong }, { module: 'node16', moduleResolution: 'node16' });
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/Float32Array.*Float64Array|TS2322/s);
  });
});

describe('the public runtime surface', () => {
  it('is exactly these names (nothing internal exported by accident)', () => {
    expect(Object.keys(api).filter((k) => k !== 'default' && k !== '__esModule').sort()).toEqual(
      [
        'AccumulatorStateError', 'BackendUnavailableError', 'CovarianceAccumulator', 'CovlassoAbortError', 'CovlassoError',
        'CovlassoRangeError', 'CovlassoTypeError', 'ERROR_CODES', 'FactoredCovariance', 'FactoredCrossCovariance', 'MAX_DENSE_CATEGORIES', 'Matrix',
        'NativeLoadError', 'NativeUnavailableError', 'NotFiniteError', 'NotPositiveSemidefiniteError', 'NotSymmetricError', 'NpyFormatError', 'NpzFormatError', 'OptionalDependencyError', 'PARTIAL_FORMAT', 'PARTIAL_VERSION', 'SAFETENSORS_DTYPES',
        'SafetensorsFormatError', 'ShardError', 'accumulateCrossFromNpy', 'accumulateFromNpy', 'asMatrix', 'backends', 'bestResidualVariances',
        'checkShard', 'chooseLambdaByRecall', 'columnMeans', 'covLasso', 'covLassoPath', 'covLassoPathSync', 'covLassoSync', 'covariance',
        'covarianceFromNpy', 'covarianceShard', 'covarianceSync', 'crossDependencies', 'crossMoments', 'crossMomentsFromNpy', 'crossMomentsSync',
        'decodeAccumulatorState', 'dependenciesFromCovariance', 'dependencyDiagnostics', 'dependencyGraph', 'dependencyRegularizer',
        'dependencyReport', 'dependencyScaling', 'dependencyShard', 'encodeAccumulatorState', 'encodeNpy', 'evaluateReplacement', 'factoredCovariance', 'factoredCrossCovariance',
        'findDependencies', 'findDependenciesFromNpy', 'generalProblem', 'mergeCovarianceShards', 'mergeDependencyShards', 'numericalRank', 'parseByteSize', 'parseNpy', 'parseNpz', 'parseShard',
        'pathStep', 'predictReplaced', 'rangeEigen', 'rangeEigenSync', 'readNpy', 'readNpyHeader', 'readNpyRows', 'readNpySync',
        'readDependencyPartial', 'readNpz', 'readNpzSync', 'readSafetensorsHeader', 'readSafetensorsIndex', 'readTensor', 'renderReport', 'replacedColumn',
        'resolveHead', 'rowTop2', 'shardRange', 'solveGeneral', 'solveGeneralSync', 'streamMemory', 'symmetricEigen', 'targetCoefficients',
        'toDOT', 'toGraphML', 'toJSON', 'unseenCategories', 'verifyCovarianceShard', 'writeNpy', 'writeNpySync',
      ].sort(),
    );
  });
});
