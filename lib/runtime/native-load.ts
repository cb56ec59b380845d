/**
 * Why a native binary that exists failed to load, and what to do about it: the loader's own
 * message (dlopen's, or Node's), the file's ELF header, and this system's C library, turned into
 * one of a few named problems with advice, the way sharp explains its load failures.
 * @module
 */
import * as fs from 'node:fs';

/**
 * What went wrong when a native binary was found but could not be loaded:
 * - `glibc`: it needs a newer glibc than this system's (`version 'GLIBC_2.xx' not found`);
 * - `libstdc++`: it needs a newer libstdc++ (`GLIBCXX_`/`CXXABI_` versions; only source builds
 *   and foreign binaries link it dynamically, the prebuilt has it inside);
 * - `musl`: a glibc binary on a musl system (Alpine);
 * - `architecture`: built for another CPU architecture or word size than this Node process;
 * - `corrupted`: not a loadable binary at all (truncated, partially copied, overwritten);
 * - `missing-library`: a shared library it needs is not installed;
 * - `missing-symbol`: a symbol it needs is missing (a binary built for something else);
 * - `permission`: the file cannot be read or mapped (permissions, a `noexec` mount);
 * - `unknown`: none of the above (the loader's message says more).
 */
export type NativeLoadProblem =
  | 'glibc'
  | 'libstdc++'
  | 'musl'
  | 'architecture'
  | 'corrupted'
  | 'missing-library'
  | 'missing-symbol'
  | 'permission'
  | 'unknown';

/** The diagnosis of one failed load: the problem, and the sentences that explain and advise. */
export interface NativeLoadDiagnosis {
  /** The kind of failure. */
  problem: NativeLoadProblem;
  /** One sentence on why the load failed, for people. */
  why: string;
  /** What to do, most likely fix first. */
  solutions: string[];
}

/** This system as the messages describe it: platform, arch, Node, and the C library. */
export interface NativeHostInfo {
  /** `process.platform`. */
  platform: string;
  /** `process.arch`. */
  arch: string;
  /** Node's version, without the v. */
  node: string;
  /** glibc's version at run time ("2.36"), or undefined off glibc. */
  glibc?: string;
  /** True on a Linux that is not glibc (musl: Alpine and others). */
  musl: boolean;
}

/** The glibc floor of the prebuilt binary: native/link/glibc-floor.js's default, checked by test/glibc-floor.test.ts. */
export const PREBUILT_GLIBC_FLOOR = '2.17';

/** This process's platform, arch, Node version and C library (from `process.report`, which Node fills from glibc itself). */
export function hostInfo(): NativeHostInfo {
  let glibc: string | undefined;
  try {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    glibc = header?.glibcVersionRuntime;
  } catch {
    glibc = undefined;
  }
  return { platform: process.platform, arch: process.arch, node: process.versions.node, glibc, musl: process.platform === 'linux' && !glibc };
}

/** ELF e_machine values of the architectures Node runs on. */
const ELF_MACHINES: Record<number, string> = {
  3: 'ia32',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390x',
  40: 'arm',
  62: 'x64',
  183: 'arm64',
  243: 'riscv64',
  258: 'loong64',
};

/**
 * What a file's headers say: unreadable, not ELF (or too short), or an ELF file for an
 * architecture and word size, with the bytes its headers and loadable segments span (`needed`,
 * more than `size` when the file is truncated).
 */
type Header =
  | { kind: 'unreadable' }
  | { kind: 'not-elf'; size: number }
  | { kind: 'elf'; arch: string; bits: 32 | 64; size: number; needed: number };

const PT_LOAD = 1;

function readHeader(file: string): Header {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const h = Buffer.alloc(64);
    const n = fs.readSync(fd, h, 0, 64, 0);
    if (n < 52 || h.readUInt32BE(0) !== 0x7f454c46) return { kind: 'not-elf', size };
    const bits = h[4] === 1 ? 32 : 64;
    const le = h[5] !== 2;
    const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u64 = (b: Buffer, o: number): number => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
    const machine = u16(h, 18);
    const arch = ELF_MACHINES[machine] ?? `ELF machine ${machine}`;
    if (bits === 64 && n < 64) return { kind: 'elf', arch, bits, size, needed: 64 };
    const [phoff, shoff] = bits === 64 ? [u64(h, 0x20), u64(h, 0x28)] : [u32(h, 0x1c), u32(h, 0x20)];
    const [phentsize, phnum, shentsize, shnum] = bits === 64 ? [u16(h, 0x36), u16(h, 0x38), u16(h, 0x3a), u16(h, 0x3c)] : [u16(h, 0x2a), u16(h, 0x2c), u16(h, 0x2e), u16(h, 0x30)];
    let needed = Math.max(phoff + phentsize * phnum, shoff ? shoff + shentsize * shnum : 0);
    // The loadable segments: mapping one that runs past the end of the file and touching it kills
    // the process with SIGBUS instead of failing the load, so they are checked before loading.
    if (phentsize > 0 && phnum > 0 && phoff + phentsize * phnum <= size) {
      const ph = Buffer.alloc(phentsize * phnum);
      fs.readSync(fd, ph, 0, ph.length, phoff);
      for (let i = 0; i < phnum; i++) {
        const o = i * phentsize;
        if (u32(ph, o) !== PT_LOAD) continue;
        const [offset, filesz] = bits === 64 ? [u64(ph, o + 8), u64(ph, o + 0x20)] : [u32(ph, o + 4), u32(ph, o + 0x10)];
        needed = Math.max(needed, offset + filesz);
      }
    }
    return { kind: 'elf', arch, bits, size, needed };
  } catch {
    return { kind: 'unreadable' };
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Checks a native binary before the system loader sees it: on Linux, an ELF file shorter than
 * its own headers and segments say is truncated, and loading it would crash the process (SIGBUS)
 * rather than fail. Returns why it must not be loaded, or null.
 */
export function truncation(file: string): string | null {
  if (process.platform !== 'linux') return null;
  const h = readHeader(file);
  if (h.kind !== 'elf' || h.needed <= h.size) return null;
  return `not loaded: the file has ${h.size} bytes but its ELF headers and segments need ${h.needed} (loading a truncated binary would crash the process)`;
}

const BITS: Record<string, 32 | 64> = { ia32: 32, arm: 32, mips: 32, ppc: 32 };

/** The loader's message without the stack: the first line of the error's message. */
export function loaderMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].trim();
}

/**
 * Explains why the native binary `file` could not be loaded, from the loader's `error`, the
 * file's ELF header (on Linux) and `host` (this system; {@link hostInfo} by default).
 */
export function diagnoseLoadError(file: string, error: unknown, host: NativeHostInfo = hostInfo()): NativeLoadDiagnosis {
  const message = loaderMessage(error);
  const here = `${host.platform}-${host.arch}`;
  const rebuild =
    'build it from source on this machine: `npm rebuild covlasso --build-from-source` (where install scripts need approval, ' +
    '`npm install-scripts approve covlasso` first); it needs a C++17 compiler, Python 3 and make';
  const reinstall = 'reinstall it on this machine: `rm -rf node_modules/covlasso && npm install covlasso`';
  const code = (error as { code?: string } | null)?.code;

  const glibc = /version [`']?(GLIBC_[0-9.]+)'? not found/.exec(message);
  if (glibc) {
    return {
      problem: 'glibc',
      why: `the binary needs ${glibc[1]}, newer than this system's glibc${host.glibc ? ` ${host.glibc}` : ''} (covlasso's prebuilt binary needs glibc ${PREBUILT_GLIBC_FLOOR} or newer; a binary built elsewhere may need more)`,
      solutions: [rebuild, 'or upgrade to a distribution with a newer glibc'],
    };
  }
  const cxx = /version [`']?((?:GLIBCXX|CXXABI)_[0-9.]+)'? not found/.exec(message);
  if (cxx) {
    return {
      problem: 'libstdc++',
      why: `the binary needs ${cxx[1]}, from a newer libstdc++ than this system's (it was built on another machine with libstdc++ linked dynamically; covlasso's prebuilt binary has libstdc++ inside)`,
      solutions: [rebuild, reinstall + ' (to get the prebuilt binary back)'],
    };
  }
  if (code === 'EACCES' || /permission denied|operation not permitted|failed to map segment/i.test(message)) {
    return {
      problem: 'permission',
      why: 'the file cannot be read or mapped as executable (its permissions, or a file system mounted noexec)',
      solutions: ['make the file readable and install on a file system that allows executable mappings', reinstall],
    };
  }

  const header = host.platform === 'linux' ? readHeader(file) : undefined;
  if (header?.kind === 'elf' && header.needed > header.size) {
    return {
      problem: 'corrupted',
      why: `the file is truncated (${header.size} of at least ${header.needed} bytes): an interrupted download or copy, or a full disk`,
      solutions: [reinstall, rebuild],
    };
  }
  if (header?.kind === 'not-elf' || (header === undefined && /invalid ELF header|file too short|not a mach-o file|too short|truncated|bad magic/i.test(message))) {
    const size = header?.kind === 'not-elf' ? ` (${header.size} bytes)` : '';
    return {
      problem: 'corrupted',
      why: `the file is not a loadable binary${size}: truncated or corrupted (an interrupted download or copy, a full disk, a file overwritten by something else)`,
      solutions: [reinstall, rebuild],
    };
  }
  if (header?.kind === 'elf' && (header.arch !== host.arch || header.bits !== (BITS[host.arch] ?? 64))) {
    return {
      problem: 'architecture',
      why: `the binary is for ${header.arch} (${header.bits}-bit), but this Node runs on ${here} (node_modules copied from another machine, or a Node for another architecture, e.g. under emulation)`,
      solutions: [reinstall + ' with the Node you run it with', rebuild],
    };
  }
  if (/wrong ELF class|incompatible architecture|wrong architecture|not a valid Win32 application|%1 is not a valid/i.test(message)) {
    return {
      problem: 'architecture',
      why: `the binary is for another architecture than this Node's (${here})`,
      solutions: [reinstall + ' with the Node you run it with', rebuild],
    };
  }
  if (host.musl) {
    return {
      problem: 'musl',
      why: "this is a musl system (e.g. Alpine) and the binary was built for glibc (covlasso's prebuilt binary is glibc-only)",
      solutions: [`${rebuild} (on Alpine: \`apk add build-base python3\`)`, 'or run on a glibc-based image (e.g. node:20-bookworm-slim)'],
    };
  }
  const missingLib = /([\w.+-]+\.so(?:\.[\w.]+)?): cannot open shared object file/.exec(message);
  if (missingLib && !message.startsWith(file)) {
    return {
      problem: 'missing-library',
      why: `the binary needs ${missingLib[1]}, which is not installed here`,
      solutions: [`install the package that provides ${missingLib[1]}`, rebuild],
    };
  }
  const symbol = /undefined symbol: ?(\S+)|symbol not found[^:]*: ?(\S+)|Symbol not found: (\S+)/.exec(message);
  if (symbol) {
    return {
      problem: 'missing-symbol',
      why: `the binary needs the symbol ${symbol[1] ?? symbol[2] ?? symbol[3]}, which nothing loaded provides (a binary built for another Node, library or system)`,
      solutions: [rebuild, reinstall],
    };
  }
  if (/invalid ELF header|file too short|ELF load command|not a dynamic|section|segment|truncated/i.test(message)) {
    return {
      problem: 'corrupted',
      why: 'the file is not a loadable binary: truncated or corrupted',
      solutions: [reinstall, rebuild],
    };
  }
  return {
    problem: 'unknown',
    why: 'the system loader refused it (its message is above)',
    solutions: [reinstall, rebuild],
  };
}

/** The whole message of a failed load: where, the loader's words, why, and what to do. */
export function loadErrorMessage(file: string, error: unknown, diagnosis: NativeLoadDiagnosis, host: NativeHostInfo = hostInfo()): string {
  const libc = host.glibc ? `, glibc ${host.glibc}` : host.musl ? ', musl' : '';
  return [
    `covlasso: could not load the native binary for ${host.platform}-${host.arch} (Node ${host.node}${libc}): ${diagnosis.why}.`,
    `  binary: ${file}`,
    `  loader: ${loaderMessage(error)}`,
    'Possible solutions:',
    ...diagnosis.solutions.map((s) => `- ${s.charAt(0).toUpperCase()}${s.slice(1)}.`),
    '- See "Troubleshooting" in covlasso\'s README. (COVLASSO_PREBUILD=<dir> loads the binary of <dir>/build/Release or <dir>/prebuilds instead.)',
  ].join('\n');
}
