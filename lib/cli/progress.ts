/**
 * A progress bar on stderr for long runs: redrawn in place at most 10 times a second, only
 * when stderr is a terminal (or when forced), erased when done.
 * @module
 */

/** A progress bar; `update(fraction)` redraws, `done()` clears the line. */
export class ProgressBar {
  private last = -1;
  private lastDraw = 0;
  private readonly start = Date.now();

  /**
   * @param label - what is being done (shown before the bar)
   * @param enabled - draw at all (default: when stderr is a TTY)
   * @param stream - where to draw (default: process.stderr)
   */
  constructor(
    private readonly label: string,
    private readonly enabled = Boolean(process.stderr.isTTY),
    private readonly stream: NodeJS.WritableStream = process.stderr,
  ) {}

  /** The callback to hand to `onProgress`. */
  readonly update = (fraction: number): void => {
    if (!this.enabled) return;
    const now = Date.now();
    const percent = Math.floor(fraction * 100);
    if (percent === this.last || (now - this.lastDraw < 100 && fraction < 1)) return;
    this.last = percent;
    this.lastDraw = now;
    const width = 30;
    const filled = Math.round(fraction * width);
    const seconds = ((now - this.start) / 1000).toFixed(1);
    this.stream.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${seconds}s`);
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
