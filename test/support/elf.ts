/**
 * What a Linux native binary asks of the system it loads on, read with binutils' `objdump -T`
 * (the dynamic symbols, each undefined one with the symbol version it needs) and `objdump -p`
 * (NEEDED libraries): used by test/glibc-floor.test.ts on the binary this checkout loads and by
 * test/package.test.ts on the prebuilt binary in the tarball.
 */
import { spawnSync } from 'node:child_process';

/** True when `objdump` (binutils) can be run. */
export const hasObjdump = spawnSync('objdump', ['--version'], { encoding: 'utf8' }).status === 0;

/** One dynamic symbol of `objdump -T`. */
export interface DynamicSymbol {
  name: string;
  /** The symbol version ("GLIBC_2.17"), or null for "Base" (unversioned). */
  version: string | null;
  weak: boolean;
  undefined: boolean;
}

function objdump(args: string[]): string {
  const r = spawnSync('objdump', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`objdump ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The dynamic symbol table of `file` (`objdump -T`). */
export function dynamicSymbols(file: string): DynamicSymbol[] {
  const out: DynamicSymbol[] = [];
  // 0000000000000000      DF *UND*	0000000000000000 (GLIBC_2.2.5) pthread_create
  // 0000000000000000  w   D  *UND*	0000000000000000  Base        __gmon_start__
  for (const line of objdump(['-T', '-w', file]).split('\n')) {
    const m = /^[0-9a-f]+ (.{7}) (\S+)\s+[0-9a-f]+\s+(\(?[^\s()]+\)?)\s+(\S+)/.exec(line);
    if (!m) continue;
    const version = m[3].replace(/[()]/g, '');
    out.push({ name: m[4], version: version === 'Base' ? null : version, weak: m[1].includes('w'), undefined: m[2] === '*UND*' });
  }
  return out;
}

/** The NEEDED shared libraries of `file` (`objdump -p`). */
export function neededLibraries(file: string): string[] {
  return [...objdump(['-p', file]).matchAll(/^\s*NEEDED\s+(\S+)/gm)].map((m) => m[1]);
}

/** Compares dotted versions numerically ("2.3.4" < "2.17"). */
export function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The newest version of each kind (GLIBC, GLIBCXX, CXXABI, GCC) that `file`'s undefined symbols need. */
export function newestVersions(file: string): Record<string, string> {
  const newest: Record<string, string> = {};
  for (const s of dynamicSymbols(file)) {
    const m = s.undefined && s.version ? /^([A-Z]+)_([0-9.]+)$/.exec(s.version) : null;
    if (m && (!newest[m[1]] || compareVersions(m[2], newest[m[1]]) > 0)) newest[m[1]] = m[2];
  }
  return newest;
}

/** The oldest libgcc_s an old distribution has: GCC 4.8's (CentOS 7, RHEL 7). */
export const LIBGCC_FLOOR = '4.8.0';

/**
 * Everything that keeps `file` from loading on glibc `floor` with that era's libgcc_s: a GLIBC_
 * version newer than the floor, any GLIBCXX_/CXXABI_ version or libstdc++.so.6 (libstdc++ must be
 * inside), a GCC_ version newer than {@link LIBGCC_FLOOR}, and any undefined symbol without a
 * version that Node does not provide itself (napi_*, node_api_*, uv_*) and is not weak: the
 * linker leaves a symbol unversioned when the floor's glibc did not have it, and an old system
 * would then fail with "undefined symbol". An empty list means it loads there.
 */
export function portabilityProblems(file: string, floor: string): string[] {
  const problems: string[] = [];
  for (const s of dynamicSymbols(file)) {
    if (!s.undefined) continue;
    const m = s.version ? /^([A-Z]+)_([0-9.]+)$/.exec(s.version) : null;
    if (m?.[1] === 'GLIBC' && compareVersions(m[2], floor) > 0) problems.push(`${s.name} needs ${s.version} (floor GLIBC_${floor})`);
    else if (m && (m[1] === 'GLIBCXX' || m[1] === 'CXXABI')) problems.push(`${s.name} needs ${s.version} (libstdc++ must be linked statically)`);
    else if (m?.[1] === 'GCC' && compareVersions(m[2], LIBGCC_FLOOR) > 0) problems.push(`${s.name} needs ${s.version} (libgcc_s of GCC ${LIBGCC_FLOOR} at most)`);
    else if (!s.version && !s.weak && !/^(napi_|node_api_|uv_)/.test(s.name)) problems.push(`${s.name} is unversioned (not in glibc ${floor}?)`);
  }
  for (const lib of neededLibraries(file)) if (/^libstdc\+\+/.test(lib)) problems.push(`NEEDED ${lib}`);
  return problems;
}
