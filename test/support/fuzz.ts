/**
 * A small seeded mutation fuzzer for covlasso's parsers of untrusted bytes (issue #13). Each
 * target takes bytes and runs one parser on them; the oracle is "bad input never crashes": a
 * call either returns or throws a CovlassoError whose `code` is one of ERROR_CODES. Anything
 * else (a TypeError, a RangeError without a code, a stack overflow) is a finding: the input is
 * written to the findings folder and the seed that reproduces it is reported. A crash of the
 * process itself fails the test file that runs the fuzzer.
 *
 * Budget: COVLASSO_FUZZ_SECONDS per target (default 2; CI sets more), COVLASSO_FUZZ_SEED to
 * replay a run (default: a fixed seed, so a local run is reproducible).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CovlassoError, ERROR_CODES } from '../../lib';
import { mulberry32 } from '../../lib/random';

/** One parser under test: runs on a mutated input (sync or async). */
export interface FuzzTarget {
  name: string;
  /** Valid inputs to mutate (a corpus). */
  seeds: Uint8Array[];
  /** Runs the parser(s) on the bytes; may throw. */
  run: (bytes: Uint8Array) => unknown;
}

/** What a fuzz run found. */
export interface FuzzReport {
  iterations: number;
  findings: { seed: number; file: string; error: string }[];
  /** How many inputs were accepted (no error): a fuzzer whose inputs all fail early is useless. */
  accepted: number;
}

/** Whether an error is one covlasso may throw for bad bytes. */
export function isTypedError(error: unknown): boolean {
  return error instanceof CovlassoError && (ERROR_CODES as readonly string[]).includes(error.code);
}

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x20, 0x27, 0x28, 0x29, 0x2c, 0x3a, 0x7b, 0x7d, 0x5b, 0x5d, 0x22];
const INTERESTING_NUMBERS = ['0', '-1', '1', '2147483647', '2147483648', '4294967296', '9007199254740993', '1e308', '-0', '99999999999999999999999', '1.5', 'NaN'];

/** Returns a mutated copy of `input` (1–4 stacked mutations), using `rand` in [0, 1). */
export function mutate(input: Uint8Array, rand: () => number, others: Uint8Array[]): Uint8Array {
  let bytes = Uint8Array.from(input);
  const pick = (n: number): number => Math.floor(rand() * n);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const at = pick(Math.max(bytes.length, 1));
    switch (pick(9)) {
      case 0: // flip one bit
        if (bytes.length) bytes[at] ^= 1 << pick(8);
        break;
      case 1: // an interesting byte
        if (bytes.length) bytes[at] = INTERESTING_BYTES[pick(INTERESTING_BYTES.length)];
        break;
      case 2: // a random byte
        if (bytes.length) bytes[at] = pick(256);
        break;
      case 3: // truncate
        bytes = bytes.slice(0, at);
        break;
      case 4: { // delete a range
        const len = 1 + pick(16);
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + len)]);
        break;
      }
      case 5: { // insert random bytes
        const extra = Uint8Array.from({ length: 1 + pick(16) }, () => pick(256));
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
        break;
      }
      case 6: { // replace a run of digits (a length, a shape, an offset, a count) by an interesting number
        const text = Buffer.from(bytes).toString('latin1');
        const digits = [...text.matchAll(/\d+/g)];
        if (!digits.length) break;
        const m = digits[pick(digits.length)];
        const replaced = text.slice(0, m.index) + INTERESTING_NUMBERS[pick(INTERESTING_NUMBERS.length)] + text.slice((m.index ?? 0) + m[0].length);
        bytes = Uint8Array.from(Buffer.from(replaced, 'latin1'));
        break;
      }
      case 7: { // splice in a chunk of another seed
        const other = others[pick(others.length)];
        const from = pick(Math.max(other.length, 1));
        const chunk = other.subarray(from, from + 1 + pick(64));
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...chunk, ...bytes.subarray(at + chunk.length)]);
        break;
      }
      default: { // little-endian integer fields: set 4 bytes to an extreme value
        if (bytes.length < 4) break;
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const values = [0, 0xffffffff, 0x7fffffff, 0x80000000, 1, bytes.length, bytes.length + 1];
        view.setUint32(Math.min(at, bytes.length - 4), values[pick(values.length)], true);
      }
    }
  }
  return bytes;
}

/** The folder where findings are written (COVLASSO_FUZZ_FINDINGS, or a temporary one). */
function findingsDir(): string {
  const dir = process.env.COVLASSO_FUZZ_FINDINGS ?? path.join(os.tmpdir(), 'covlasso-fuzz-findings');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Seconds per target: COVLASSO_FUZZ_SECONDS (default 2). */
export function fuzzSeconds(): number {
  const v = Number(process.env.COVLASSO_FUZZ_SECONDS ?? '2');
  return Number.isFinite(v) && v > 0 ? v : 2;
}

/**
 * Runs `target` on mutations of its seeds for `seconds` (at least `minIterations` inputs,
 * however slow the machine), iteration k using seed `base + k` so that any finding replays.
 */
export async function fuzz(target: FuzzTarget, seconds = fuzzSeconds(), minIterations = 50): Promise<FuzzReport> {
  const base = Number(process.env.COVLASSO_FUZZ_SEED ?? '20261201') >>> 0;
  const report: FuzzReport = { iterations: 0, findings: [], accepted: 0 };
  const deadline = Date.now() + seconds * 1000;
  for (let k = 0; report.iterations < minIterations || Date.now() < deadline; k++) {
    const seed = (base + k) >>> 0;
    const rand = mulberry32(seed);
    const input = mutate(target.seeds[Math.floor(rand() * target.seeds.length)], rand, target.seeds);
    report.iterations++;
    try {
      await target.run(input);
      report.accepted++;
    } catch (error) {
      if (isTypedError(error)) continue;
      const file = path.join(findingsDir(), `${target.name}-${seed}.bin`);
      fs.writeFileSync(file, input);
      report.findings.push({ seed, file, error: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error) });
      if (report.findings.length >= 5) break;
    }
  }
  return report;
}
