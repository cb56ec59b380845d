/**
 * `covlasso info [--json]`: what this install has: each backend (compiled in, usable here, and
 * the device or why not), which one `auto` picks, and which binary was loaded.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { backends, BackendInfo } from '../runtime/backends';
import { nativeBinaryPath, packageRoot } from '../runtime/native';
import { resolveBackend } from '../runtime/run';
import { parseArgs, UsageError } from './args';
import { stamp } from './formats';

/** What `covlasso info --json` prints. */
export interface InstallInfo {
  version: string;
  node: string;
  platform: string;
  binary: string | null;
  backends: BackendInfo[];
  /** The backend a call without `backend:` asks for (COVLASSO_BACKEND, else 'auto'). */
  requested: string;
  /** Where that request runs here. */
  runsOn: string;
}

/** The install's backends and binary. */
export function installInfo(): InstallInfo {
  const list = backends();
  const requested = resolveBackend(undefined);
  const cuda = list.find((b) => b.name === 'cuda');
  const runsOn = requested === 'auto' ? (cuda?.available ? 'cuda' : 'cpu') : requested;
  return {
    version: (JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version,
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    binary: nativeBinaryPath(),
    backends: list,
    requested,
    runsOn,
  };
}

/** `covlasso info`. */
export async function runInfo(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, [], ['json']);
  if (args.positionals.length > 0) throw new UsageError('info takes no arguments');
  const info = installInfo();
  if (args.switches.has('json')) {
    const { version: packageVersion, ...rest } = info;
    process.stdout.write(`${JSON.stringify(stamp('covlasso-info', { packageVersion, ...rest }), null, 2)}\n`);
    return;
  }
  const yes = (v: boolean): string => (v ? 'yes' : 'no');
  const rows = [['backend', 'compiled', 'available', 'detail'], ...info.backends.map((b) => [b.name, yes(b.compiled), yes(b.available), b.detail])];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = [
    `covlasso ${info.version} (node ${info.node}, ${info.platform})`,
    `binary: ${info.binary ?? 'none found'}`,
    '',
    ...rows.map((r) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell)).join('  ')),
    '',
    `backend requested: ${info.requested}${process.env.COVLASSO_BACKEND ? ' (COVLASSO_BACKEND)' : ''}; runs on: ${info.runsOn}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
