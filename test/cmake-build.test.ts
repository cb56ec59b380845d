/**
 * The CMake build (CMakeLists.txt via cmake-js, `npm run build:cmake`): builds the addon offline
 * into a temporary directory and calls the raw addon API; and binding.gyp and CMakeLists.txt
 * compile the same sources (CMake globs native/core/*.cpp, native/core/cpu/*.cpp and native/binding/*.cpp, so binding.gyp
 * must list exactly those files).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hostInfo } from '../lib/runtime/native-load';
import { hasObjdump, portabilityProblems } from './support/elf';

const root = path.resolve(__dirname, '..');
const glibcRuntime = hostInfo().glibc;

function cppFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.cpp'))
    .map((f) => `${dir}/${f}`)
    .sort();
}

describe('native source lists', () => {
  it('binding.gyp lists every .cpp in native/core, native/core/cpu and native/binding, and nothing else from there', () => {
    const gyp = fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8');
    const listed = [...gyp.matchAll(/["'](native\/(?:core|binding)\/[^"']+\.cpp)["']/g)].map((m) => m[1]);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...cppFiles('native/core'), ...cppFiles('native/core/cpu'), ...cppFiles('native/binding')].sort());
  });

  it('binding.gyp lists every .cu and .cpp of native/cuda under its CUDA condition, and CMake globs them', () => {
    const gyp = fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8');
    const listed = [...gyp.matchAll(/["'](native\/cuda\/[^"']+\.(?:cu|cpp))["']/g)].map((m) => m[1]).sort();
    const onDisk = fs.readdirSync(path.join(root, 'native/cuda')).filter((f) => /\.(cu|cpp)$/.test(f)).map((f) => `native/cuda/${f}`).sort();
    expect(listed).toEqual(onDisk);
    const cmake = fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8');
    expect(cmake).toMatch(/native\/cuda\/\*\.cu/);
    expect(cmake).toMatch(/native\/cuda\/\*\.cpp/);
    expect(cmake).not.toMatch(/CUDA::cublas/);
    expect(cmake).toMatch(/80-real 89-real 90/);
    expect(cmake).toMatch(/cudart_static/);
  });

  it('CMakeLists.txt globs the same directories', () => {
    const cmake = fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8');
    expect(cmake).toMatch(/native\/core\/\*\.cpp/);
    expect(cmake).toMatch(/native\/core\/cpu\/\*\.cpp/);
    expect(cmake).toMatch(/native\/binding\/\*\.cpp/);
  });
});

const hasCmake = spawnSync('cmake', ['--version']).status === 0;
const cmakeIt = hasCmake ? it : it.skip;

describe('cmake-js build (npm run build:cmake)', () => {
  let out: string | undefined;
  afterAll(() => {
    if (out && !process.env.COVLASSO_KEEP_TMP) fs.rmSync(out, { recursive: true, force: true });
  });

  cmakeIt(
    'builds offline against the local Node headers and the raw addon computes XᵀX/N',
    () => {
      out = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-build-cmake-'));
      const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-cmake.js'), '-O', out], {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      if (r.status !== 0) throw new Error(`build:cmake failed (${r.status}):\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
      expect(r.stdout + r.stderr).not.toMatch(/Downloading distribution files/i);
      const binary = path.join(out, 'Release', 'covlasso.node');
      expect(fs.existsSync(binary)).toBe(true);
      // The same glibc floor and static libstdc++ as binding.gyp's build (test/glibc-floor.test.ts).
      if (process.platform === 'linux' && hasObjdump && fs.existsSync(path.join(out, 'glibc-floor', 'floor'))) {
        expect(portabilityProblems(binary, fs.readFileSync(path.join(out, 'glibc-floor', 'floor'), 'utf8').trim())).toEqual([]);
      }
      if (process.platform === 'linux') expect(fs.existsSync(path.join(out, 'glibc-floor', 'floor'))).toBe(!!glibcRuntime);

      // The raw addon API (what lib/covariance.ts passes), in a child process so the test
      // process never holds two copies of the addon.
      const script = `
const addon = require(${JSON.stringify(binary)});
const out = new Float64Array(4);
addon.covarianceSync({ x: { data: new Float64Array([1, 2, 2, 0, 3, 1]), rows: 3, cols: 2 }, center: false, ddof: 0, products: 'auto', threads: 1, backend: 'cpu', out });
const centered = new Float64Array(4);
addon.covarianceSync({ x: { data: new Float64Array([1, 2, 2, 0, 3, 1]), rows: 3, cols: 2 }, center: true, ddof: 1, products: 'auto', threads: 1, backend: 'cpu', out: centered });
console.log(JSON.stringify({ out: Array.from(out), centered: Array.from(centered), keys: Object.keys(addon), cuda: addon.backends()[1] }));
`;
      const c = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      if (c.status !== 0) throw new Error(`loading the cmake build failed:\n${c.stderr}`);
      const res = JSON.parse(c.stdout.trim().split('\n').pop() ?? '{}') as {
        out: number[];
        centered: number[];
        keys: string[];
        cuda: { compiled: boolean; available: boolean };
      };
      // The CMake build has the CUDA backend exactly when the build found nvcc (the same detector as binding.gyp).
      const nvcc = spawnSync(process.execPath, [path.join(root, 'native/cuda/build-config.js'), 'enabled'], { encoding: 'utf8' });
      expect(res.cuda.compiled).toBe(nvcc.stdout.trim() === '1');
      expect(fs.readFileSync(binary).includes('.nv_fatbin')).toBe(res.cuda.compiled);
      expect(res.keys).toEqual(expect.arrayContaining(['covarianceSync', 'covLasso', 'MomentAccumulator']));
      [14 / 3, 5 / 3, 5 / 3, 5 / 3].forEach((v, i) => expect(res.out[i]).toBeCloseTo(v, 12));
      // Columns (1,2,3) and (2,0,1): deviations (-1,0,1) and (1,-1,0); sums 2, -1, 2; over N-1 = 2.
      [1, -0.5, -0.5, 1].forEach((v, i) => expect(res.centered[i]).toBeCloseTo(v, 12));
    },
    600_000,
  );
});
