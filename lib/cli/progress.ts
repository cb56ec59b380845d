/**
 * A progress bar on stderr for long runs: redrawn in place at most 10 times a second, with the
 * elapsed time and an ETA (elapsed · (1 − f) / f, once 1% is done), only when stderr is a
 * terminal (or when forced: `--progress`), erased when done.
 * @module
 */

/** `4.2s`, `3m05s`, `1h02m`: a duration for people. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A progress bar; `update(fraction)` redraws, `done()` clears the line. */
export class ProgressBar {
  private last = -1;
  private lastDraw = -Infinity;
  private readonly start: number;

  /**
   * @param label - what is being done (shown before the bar)
   * @param enabled - draw at all (default: when stderr is a TTY)
   * @param stream - where to draw (default: process.stderr)
   * @param now - the clock, in milliseconds (default Date.now; tests pass their own)
   */
  constructor(
    private readonly label: string,
    private readonly enabled = Boolean(process.stderr.isTTY),
    private readonly stream: NodeJS.WritableStream = process.stderr,
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
  }

  /** The callback to hand to `onProgress`. */
  readonly update = (fraction: number): void => {
    if (!this.enabled) return;
    const now = this.now();
    const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
    const percent = Math.floor(f * 100);
    if (percent === this.last || (now - this.lastDraw < 100 && f < 1)) return;
    this.last = percent;
    this.lastDraw = now;
    const width = 30;
    const filled = Math.round(f * width);
    const elapsed = (now - this.start) / 1000;
    const eta = f >= 1 ? 'done' : f >= 0.01 ? `ETA ${formatDuration((elapsed * (1 - f)) / f)}` : 'ETA ?';
    this.stream.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${formatDuration(elapsed)} ${eta}\x1b[K`);
  };

  /** Ends the bar (erases the line). */
  done(): void {
    if (this.enabled && this.last >= 0) this.stream.write('\r\x1b[K');
  }
}

/** The bar for a command's `--progress` / `--quiet` switches (default: on when stderr is a TTY). */
export function progressBar(switches: ReadonlySet<string>, label: string): ProgressBar {
  if (switches.has('quiet')) return new ProgressBar(label, false);
  return new ProgressBar(label, switches.has('progress') || Boolean(process.stderr.isTTY));
}

/**
 * Runs `work` with the command's progress bar (see {@link progressBar}) as its `onProgress`,
 * and ends the bar however `work` ends.
 */
export async function withProgressBar<T>(switches: ReadonlySet<string>, label: string, work: (onProgress: (fraction: number) => void) => Promise<T>): Promise<T> {
  const bar = progressBar(switches, label);
  try {
    return await work(bar.update);
  } finally {
    bar.done();
  }
}
