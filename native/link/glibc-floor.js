#!/usr/bin/env node
// How the Linux builds (binding.gyp, CMakeLists.txt) make one binary that loads on old glibc
// distributions as well as on the build machine's: the addon is linked against *stub* copies of
// the C library (libc, libm, libpthread, libdl, librt, the dynamic loader) in which every symbol
// carries the newest version it had in glibc FLOOR (default 2.17: CentOS 7, Amazon Linux 2,
// Ubuntu 14.04+, Debian 8+, RHEL 7+), so the binary asks for GLIBC_2.17 or older, never for the
// build machine's GLIBC_2.34 pthread_create or GLIBC_2.35 hypot. It is what building in an old
// sysroot does, without one: the stubs have no code, only names and versions (read from the real
// libraries with readelf), and are never loaded: at run time the real glibc resolves each
// versioned symbol to its compatibility version. With libstdc++ linked statically
// (-static-libstdc++, binding.gyp) the binary needs no GLIBCXX_/CXXABI_ version either.
//
//   node native/link/glibc-floor.js link <dir>   → link arguments (-L<dir> <dir>/compat.o -lpthread -ldl -lrt),
//                                                  after writing the stubs into <dir>; nothing off glibc Linux
//   node native/link/glibc-floor.js floor        → the floor in use ("2.17"), or "off"
//
// Symbols that did not exist at the floor are left out of the stubs, so the linker leaves them
// unversioned; test/glibc-floor.test.ts fails on any such reference. The three that GCC 12's
// static libstdc++ needs are defined in compat.o instead (see COMPAT below: hidden, not exported).
// libgcc stays a shared library (libgcc_s.so.1, which every glibc system has): the static
// libgcc_eh.a of a new GCC finds unwind tables with glibc 2.35's _dl_find_object, without a
// fallback, so -static-libgcc would break C++ exceptions on older glibc.
//
// COVLASSO_GLIBC_FLOOR=2.28 picks another floor (at least 2.17; symbols moved between libraries
// before 2.17 are not modelled), COVLASSO_GLIBC_FLOOR=off links against the real libraries.
// Any failure prints a warning and falls back to the real libraries (a source build is for its
// own machine), unless COVLASSO_GLIBC_FLOOR_STRICT=1 (the prebuilt build, scripts/prebuild.js),
// where it is an error.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

/** The glibc version the binary may need at most, unless COVLASSO_GLIBC_FLOOR says otherwise. */
const DEFAULT_FLOOR = '2.17';
/** The oldest floor modelled (earlier, clock_* and others lived in other libraries). */
const MIN_FLOOR = '2.17';

// Symbols that glibc 2.34 moved into libc.so.6 from these libraries: at a floor before 2.34 the
// binary must ask the old library for them (the new glibc keeps those libraries, with their
// version definitions, as empty stubs).
const MOVED_IN_2_34 = [
  [/^(pthread_|__pthread_|_pthread_|sem_|thrd_|mtx_|cnd_|tss_|call_once$)/, 'libpthread.so.0'],
  [/^(dlopen|dlclose|dlsym|dlvsym|dlerror|dladdr|dladdr1|dlinfo|dlmopen)$/, 'libdl.so.2'],
  [/^(shm_open|shm_unlink|mq_\w+|aio_\w+|lio_listio\w*|timer_\w+)$/, 'librt.so.1'],
];

function parseVersion(v) {
  const m = /^(?:GLIBC_)?(\d+(?:\.\d+)*)$/.exec(v);
  return m ? m[1].split('.').map(Number) : null;
}

function compareVersions(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The floor asked for, as a string like "2.17", or null when turned off. */
function floor() {
  const raw = (process.env.COVLASSO_GLIBC_FLOOR || DEFAULT_FLOOR).trim();
  if (/^(0|off|false|no)$/i.test(raw)) return null;
  const v = parseVersion(raw);
  if (!v) throw new Error(`COVLASSO_GLIBC_FLOOR=${raw} is not a glibc version like 2.17`);
  if (compareVersions(v, parseVersion(MIN_FLOOR)) < 0) throw new Error(`COVLASSO_GLIBC_FLOOR=${raw} is below ${MIN_FLOOR}, the oldest floor supported`);
  return v.join('.');
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

function compiler() {
  return (process.env.CC || 'cc').split(/\s+/).filter(Boolean);
}

/** Where `-lNAME` resolves with this compiler (its file, or null). */
function libraryFile(cc, file) {
  const out = run(cc[0], [...cc.slice(1), `-print-file-name=${file}`]).trim();
  return out && out !== file && fs.existsSync(out) ? fs.realpathSync(out) : null;
}

function isElf(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    fs.readSync(fd, b, 0, 4, 0);
    return b.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    fs.closeSync(fd);
  }
}

function soname(file) {
  const m = /\(SONAME\)\s+Library soname: \[([^\]]+)\]/.exec(run('readelf', ['-d', '-W', file]));
  if (!m) throw new Error(`${file} has no SONAME`);
  return m[1];
}

/** The defined, versioned dynamic symbols of a shared object: { name, version, type, size }. */
function definedSymbols(file) {
  const out = [];
  for (const line of run('readelf', ['--dyn-syms', '-W', file]).split('\n')) {
    const f = line.trim().split(/\s+/);
    // Num: Value Size Type Bind Vis Ndx Name
    if (f.length < 8 || !/^\d+:$/.test(f[0]) || f[6] === 'UND' || f[6] === 'ABS') continue;
    const m = /^([^@]+)@@?(GLIBC_[0-9.]+)$/.exec(f[7]);
    if (!m || !['FUNC', 'IFUNC', 'OBJECT', 'TLS'].includes(f[3]) || !['GLOBAL', 'WEAK'].includes(f[4])) continue;
    out.push({ name: m[1], version: m[2], type: f[3], size: Number(f[2].startsWith('0x') ? parseInt(f[2], 16) : f[2]) });
  }
  return out;
}

/** name → { version, type, size }: each symbol's newest version not newer than the floor. */
function atFloor(symbols, floorVersion) {
  const best = new Map();
  for (const s of symbols) {
    const v = parseVersion(s.version);
    if (!v || compareVersions(v, floorVersion) > 0) continue;
    const prev = best.get(s.name);
    if (!prev || compareVersions(v, parseVersion(prev.version)) > 0) best.set(s.name, s);
  }
  return best;
}

function stubAssembly(symbols) {
  const lines = [];
  for (const s of symbols) {
    if (s.type === 'FUNC' || s.type === 'IFUNC') {
      lines.push('.text', `.globl ${s.name}`, `.type ${s.name}, %function`, `${s.name}:`, 'ret');
    } else {
      const size = Math.max(1, s.size);
      lines.push(s.type === 'TLS' ? '.section .tbss,"awT",%nobits' : '.bss', `.globl ${s.name}`, `.type ${s.name}, ${s.type === 'TLS' ? '%tls_object' : '%object'}`,
        `.size ${s.name}, ${size}`, `${s.name}:`, `.zero ${size}`);
    }
  }
  lines.push('.section .note.GNU-stack,"",%progbits', '');
  return lines.join('\n');
}

function versionScript(symbols) {
  const byVersion = new Map();
  for (const s of symbols) {
    if (!byVersion.has(s.version)) byVersion.set(s.version, []);
    byVersion.get(s.version).push(s.name);
  }
  const versions = [...byVersion.keys()].sort((a, b) => compareVersions(parseVersion(a), parseVersion(b)));
  return versions.map((v) => `${v} {\n  global:\n${byVersion.get(v).map((n) => `    ${n};`).join('\n')}\n};\n`).join('');
}

function buildStub(cc, dir, name, symbols) {
  const base = path.join(dir, name);
  fs.writeFileSync(`${base}.s`, stubAssembly(symbols));
  const script = symbols.length ? [`-Wl,--version-script,${base}.map`] : []; // ld rejects an empty one
  if (symbols.length) fs.writeFileSync(`${base}.map`, versionScript(symbols));
  run(cc[0], [...cc.slice(1), '-shared', '-nostdlib', `-Wl,-soname,${name}`, ...script, '-o', base, `${base}.s`]);
  return base;
}

/** A GNU ld script's tokens: GROUP ( a b AS_NEEDED ( c ) ) → ['GROUP', '(', 'a', ...]. */
function scriptTokens(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').match(/[()]|[^\s()]+/g) || [];
}

// Definitions, hidden inside the addon, of the few glibc symbols newer than the floor that GCC's
// static libstdc++ refers to (each compiled in only when the floor predates it). libstdc++'s
// random.o (pulled in by its string code, never called by covlasso) names getentropy (glibc 2.25)
// and arc4random (2.36); its headers read __libc_single_threaded (2.32), always 0 here, so
// reference counts are always updated atomically.
const COMPAT = [
  ['__libc_single_threaded', [2, 32], 'char __libc_single_threaded = 0;'],
  ['getentropy', [2, 25], `int getentropy(void *buffer, size_t length) {
  if (length > 256) { errno = EIO; return -1; }
  unsigned char *p = (unsigned char *)buffer;
  while (length > 0) {
    long n = syscall(SYS_getrandom, p, length, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ENOSYS) {
      int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
      if (fd < 0) return -1;
      while (length > 0) {
        ssize_t r = read(fd, p, length);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { close(fd); errno = EIO; return -1; }
        p += r;
        length -= (size_t)r;
      }
      close(fd);
      return 0;
    }
    if (n <= 0) return -1;
    p += n;
    length -= (size_t)n;
  }
  return 0;
}`],
  ['arc4random', [2, 36], `unsigned int arc4random(void) {
  unsigned int value;
  while (getentropy(&value, sizeof value) != 0) {}
  return value;
}`],
];

function compatSource(floorVersion) {
  const parts = COMPAT.filter(([, since]) => compareVersions(floorVersion, since) < 0);
  if (!parts.length) return null;
  return [
    '// Generated by native/link/glibc-floor.js: glibc symbols newer than the floor, hidden in the addon.',
    '#define _GNU_SOURCE',
    '#include <errno.h>',
    '#include <fcntl.h>',
    '#include <stddef.h>',
    '#include <sys/syscall.h>',
    '#include <unistd.h>',
    '#pragma GCC visibility push(hidden)',
    ...parts.map(([, , code]) => code),
    '#pragma GCC visibility pop',
    '',
  ].join('\n');
}

/**
 * Writes the stubs for floor `floorText` into `dir` and returns the link arguments, or null when
 * the compiler does not link against glibc (musl).
 * @param {string} dir
 * @param {string} floorText
 */
function writeStubs(dir, floorText) {
  const cc = compiler();
  const floorVersion = parseVersion(floorText);
  dir = path.resolve(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });

  const libcScript = libraryFile(cc, 'libc.so');
  const libc6 = libraryFile(cc, 'libc.so.6');
  if (!libcScript || !libc6) return null; // not glibc (musl has no libc.so.6)
  if (!definedSymbols(libc6).some((s) => s.name === 'gnu_get_libc_version')) return null; // musl, or another C library

  // Every shared object the -lc -lm -lpthread -ldl -lrt of a normal link would use.
  const libs = new Map(); // soname → symbols at the floor
  const add = (so, syms) => {
    if (!libs.has(so)) libs.set(so, new Map());
    for (const [n, s] of syms) libs.get(so).set(n, s);
  };
  const scripts = new Map(); // libNAME.so → rewritten linker script text, or a stub soname
  for (const lib of ['c', 'm', 'pthread', 'dl', 'rt']) {
    const file = libraryFile(cc, `lib${lib}.so`);
    if (!file) continue; // glibc ≥ 2.34 has no libpthread.so/libdl.so/librt.so to link against
    if (isElf(file)) {
      scripts.set(`lib${lib}.so`, { elf: soname(file) });
      add(soname(file), atFloor(definedSymbols(file), floorVersion));
      continue;
    }
    const tokens = scriptTokens(fs.readFileSync(file, 'utf8'));
    const rewritten = tokens.map((t) => {
      if (t.startsWith('/') && fs.existsSync(t) && isElf(t)) {
        const so = soname(t);
        add(so, atFloor(definedSymbols(t), floorVersion));
        return path.join(dir, so);
      }
      return t;
    });
    scripts.set(`lib${lib}.so`, { text: rewritten.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')') });
  }

  // Symbols glibc 2.34 moved into libc.so.6 go back to the library that had them at the floor.
  const libcName = soname(libc6);
  const libcSyms = libs.get(libcName) || new Map();
  const allLibcVersions = new Map();
  for (const s of definedSymbols(libc6)) {
    if (!allLibcVersions.has(s.name)) allLibcVersions.set(s.name, []);
    allLibcVersions.get(s.name).push(parseVersion(s.version));
  }
  if (compareVersions(floorVersion, [2, 34]) < 0) {
    for (const [name, s] of [...libcSyms]) {
      if (!(allLibcVersions.get(name) || []).some((v) => compareVersions(v, [2, 34]) === 0)) continue;
      const moved = MOVED_IN_2_34.find(([re]) => re.test(name));
      if (!moved) continue;
      libcSyms.delete(name);
      add(moved[1], new Map([[name, s]]));
    }
  }
  for (const [, so] of MOVED_IN_2_34) if (!libs.has(so)) libs.set(so, new Map());

  for (const [so, syms] of libs) buildStub(cc, dir, so, [...syms.values()]);
  for (const [file, what] of scripts) {
    if (what.elf) fs.symlinkSync(what.elf, path.join(dir, file));
    else fs.writeFileSync(path.join(dir, file), `/* covlasso: glibc ${floorText} stubs (native/link/glibc-floor.js) */\n${what.text}\n`);
  }
  for (const [lib, so] of [['pthread', 'libpthread.so.0'], ['dl', 'libdl.so.2'], ['rt', 'librt.so.1']]) {
    if (!scripts.has(`lib${lib}.so`)) fs.symlinkSync(so, path.join(dir, `lib${lib}.so`));
  }

  const args = [`-L${dir}`];
  const compat = compatSource(floorVersion);
  if (compat) {
    fs.writeFileSync(path.join(dir, 'compat.c'), compat);
    run(cc[0], [...cc.slice(1), '-c', '-O2', '-fPIC', '-o', path.join(dir, 'compat.o'), path.join(dir, 'compat.c')]);
    args.push(path.join(dir, 'compat.o'));
  }
  args.push('-lpthread', '-ldl', '-lrt');
  fs.writeFileSync(path.join(dir, 'floor'), `${floorText}\n`);
  return args;
}

/**
 * The link arguments for a build whose stubs go into `dir`: none off glibc Linux, with the floor
 * off, or (with a warning, unless COVLASSO_GLIBC_FLOOR_STRICT) when writing the stubs fails.
 * @param {string} dir
 * @returns {string[]}
 */
function linkArgs(dir) {
  const strict = /^(1|on|true|yes)$/i.test(process.env.COVLASSO_GLIBC_FLOOR_STRICT || '');
  try {
    if (process.platform !== 'linux') return [];
    const f = floor();
    if (!f) return [];
    return writeStubs(dir, f) || [];
  } catch (error) {
    if (strict) throw error;
    process.stderr.write(`covlasso: linking against this machine's glibc (no glibc floor): ${error.message}\n`);
    return [];
  }
}

module.exports = { floor, linkArgs, writeStubs, DEFAULT_FLOOR };

if (require.main === module) {
  const [what, dir] = process.argv.slice(2);
  if (what === 'link' && dir) process.stdout.write(`${linkArgs(dir).join(' ')}\n`);
  else if (what === 'floor') process.stdout.write(`${process.platform === 'linux' ? floor() || 'off' : 'off'}\n`);
  else {
    process.stderr.write('usage: glibc-floor.js link <dir> | floor\n');
    process.exit(2);
  }
}
