/**
 * The HTML report (`renderReport`, `covlasso report`): unit checks on the page's text, and a
 * browser check that opens it in headless Chromium (driven over the DevTools protocol on
 * `--remote-debugging-pipe`, no npm dependency) and looks for errors and the drawn elements.
 * The browser tests skip when /usr/bin/chromium (or $COVLASSO_CHROMIUM) is absent.
 */
import { CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { renderReport, ReportInput, ReportTarget } from '../lib';

// Child processes take what the machine takes: no timeout of their own, a generous per-test one.
jest.setTimeout(CHILD_PROCESS_TEST_TIMEOUT);

const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'dist', 'cjs', 'cli', 'main.js');
const CHROMIUM = process.env.COVLASSO_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) console.warn(`report browser tests skipped: ${CHROMIUM} not found (apt-get install chromium)`);
const itBrowser = haveChromium ? it : it.skip;
const HOSTILE = '</script><img src=x onerror="document.title=\'pwned\'">&amp; "q" \'s\' <!--';
let dir = '';

/** A deterministic synthetic report: `n` targets with 0..maxSources sources each. */
function syntheticReport(n: number, opts: { names?: boolean; evaluation?: boolean; paths?: boolean; maxSources?: number } = {}): ReportInput {
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const names = Array.from({ length: n }, (_, i) => (i === 1 ? HOSTILE : i % 3 === 0 ? `类别${i}` : `class_${i}`));
  const targets: ReportTarget[] = [];
  for (let t = 0; t < n; t++) {
    const k = t === 2 ? 0 : 1 + Math.floor(rand() * (opts.maxSources ?? 6));
    const sources = Array.from(new Set(Array.from({ length: k }, () => Math.floor(rand() * n)))).filter((s) => s !== t);
    const coef = sources.map(() => (rand() - 0.25) * (t === 5 ? 3 : 1)).sort((a, b) => Math.abs(b) - Math.abs(a));
    const target: ReportTarget = {
      target: t, lambda: 0.1, lambdaMax: 1, sources, coef, objective: 0.5, gap: 1e-9,
      residualVariance: 0.02, relativeError: rand() * 0.2, iterations: 7, converged: t !== 3,
    };
    if (opts.names) { target.name = names[t]; target.sourceNames = sources.map((s) => names[s]); }
    if (opts.evaluation) Object.assign(target, { accuracyBefore: 0.71, accuracyAfter: 0.7 + rand() * 0.01, recallBefore: 0.8, recallAfter: rand() });
    if (opts.paths) {
      const lambdas = Array.from({ length: 20 }, (_, i) => Math.pow(10, -i / 6));
      target.path = { lambdas, relativeError: lambdas.map((l) => Math.min(1, l * 2)), nnz: lambdas.map((_, i) => Math.floor(i / 3)) };
    }
    targets.push(target);
  }
  const report: ReportInput = { categories: n, samples: 8000, center: false, targets };
  if (opts.evaluation) report.evaluation = { rows: 2000, accuracyBefore: 0.71, accuracyAllReplaced: 0.69 };
  return report;
}

function embedded(html: string): { names: Array<string | null>; targets: ReportTarget[]; evaluation?: unknown; title: string } {
  const m = /<script type="application\/json" id="covlasso-data">([^]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-report-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('renderReport', () => {
  it('embeds the data: names, sources, coefficients, evaluation and paths', () => {
    const report = syntheticReport(30, { names: true, evaluation: true, paths: true });
    const data = embedded(renderReport(report, { title: 'T' }));
    expect(data.title).toBe('T');
    expect(data.names[0]).toBe('类别0');
    expect(data.names[1]).toBe(HOSTILE);
    for (const [k, t] of report.targets.entries()) {
      expect(data.targets[k].sources).toEqual(t.sources);
      expect(data.targets[k].coef).toEqual(t.coef);
      expect(data.targets[k].accuracyAfter).toBe(t.accuracyAfter);
      expect(data.targets[k].path).toEqual(t.path);
    }
    expect(data.evaluation).toEqual(report.evaluation);
  });

  it('skips what is absent', () => {
    const data = embedded(renderReport(syntheticReport(10)));
    expect(data.evaluation).toBeUndefined();
    expect(data.targets.every((t) => t.path === undefined && t.accuracyBefore === undefined)).toBe(true);
  });

  it('escapes hostile names and titles: no markup from the data reaches the page', () => {
    const html = renderReport(syntheticReport(10, { names: true }), { title: HOSTILE });
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain('<!--');
    expect(html.match(/<\/script/gi)).toHaveLength(2);  // the two script elements' own end tags
    expect(html.match(/<script/gi)).toHaveLength(2);
    expect(html).toContain('<title>&#60;/script&#62;&#60;img src=x onerror=&#34;document.title=&#39;pwned&#39;&#34;&#62;&#38;amp;');
    expect(embedded(html).names[1]).toBe(HOSTILE);  // and the JSON gives the name back unchanged
  });

  it('is self-contained: no external resources, and a policy that forbids fetching', () => {
    const html = renderReport(syntheticReport(50, { names: true, evaluation: true, paths: true }));
    expect(html).not.toMatch(/https?:\/\//i);
    // Outside the inert JSON (which holds the hostile name's text), no attribute loads anything.
    const markup = html.replace(/(<script type="application\/json" id="covlasso-data">)[^]*?(<\/script>)/, '$1$2');
    expect(markup.length).toBeLessThan(html.length);
    expect(markup).not.toMatch(/\s(src|href|xlink:href|srcset|action|poster|data)\s*=/i);
    expect(markup).not.toMatch(/<link|<iframe|<object|<embed|@import|@font-face|url\(\s*['"]?[a-z]+:/i);
    expect(markup).not.toMatch(/fetch\(|XMLHttpRequest|WebSocket|EventSource|import\(/);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';[^"]*script-src 'sha256-/);
  });

  it('rejects what is not a report', () => {
    expect(() => renderReport({} as ReportInput)).toThrow(expect.objectContaining({ code: 'ERR_COVLASSO_INVALID_ARGUMENT' }));
    const bad = syntheticReport(3);
    bad.targets[0].coef = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(() => renderReport(bad)).toThrow(/sources but .* coefficients/);
    expect(() => renderReport(syntheticReport(3), { top: 0 })).toThrow(/top/);
  });
});

describe('covlasso report (CLI)', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir });

  it('writes the page; errors are one line with a non-zero status', () => {
    fs.writeFileSync(path.join(dir, 'deps.json'), JSON.stringify(syntheticReport(20, { names: true })));
    fs.writeFileSync(path.join(dir, 'bad.json'), '{ not json');
    const ok = cli('report', 'deps.json', '--out', 'r.html', '--title', 'Hi <b>', '--top', '5');
    expect(ok.status).toBe(0);
    const html = fs.readFileSync(path.join(dir, 'r.html'), 'utf8');
    expect(html).toContain('<title>Hi &#60;b&#62;</title>');
    expect(embedded(html)).toMatchObject({ title: 'Hi <b>', top: 5 });
    for (const [args, status, pattern] of [
      [['report', 'missing.json', '--out', 'x.html'], 1, /no such file/],
      [['report', 'deps.json'], 2, /--out/],
      [['report', 'bad.json', '--out', 'x.html'], 1, /not JSON/],
      [['report', 'deps.json', '--out', 'x.html', '--top', '0'], 2, /--top/],
      [['report', '--out', 'x.html'], 2, /exactly one report file/],
    ] as Array<[string[], number, RegExp]>) {
      const r = cli(...args);
      expect(r.status).toBe(status);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('demo writes a report too (--report path)', () => {
    const r = cli('demo', '--report', 'demo.html');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Report: demo\.html/);
    expect(embedded(fs.readFileSync(path.join(dir, 'demo.html'), 'utf8')).targets).toHaveLength(120);
  });
});

/** A minimal DevTools-protocol client over Chromium's --remote-debugging-pipe (fds 3 and 4). */
class Browser {
  private nextId = 1;
  private buffer = '';
  private pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private listeners: Array<(msg: any) => void> = [];
  readonly problems: string[] = [];
  private constructor(private proc: ChildProcess, private profile: string) {
    (proc.stdio[4] as Readable).on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      let end: number;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const msg = JSON.parse(this.buffer.slice(0, end));
        this.buffer = this.buffer.slice(end + 1);
        if (msg.id !== undefined && this.pending.has(msg.id)) {
          const p = this.pending.get(msg.id)!;
          this.pending.delete(msg.id);
          if (msg.error) p.reject(new Error(`${msg.error.message}`)); else p.resolve(msg.result);
        } else this.listeners.forEach((l) => l(msg));
      }
    });
    this.listeners.push((msg) => {
      const p = msg.params;
      if (msg.method === 'Runtime.exceptionThrown') this.problems.push(`exception: ${p.exceptionDetails.exception?.description ?? p.exceptionDetails.text}`);
      if (msg.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'warning' || p.type === 'assert')) {
        this.problems.push(`console.${p.type}: ${p.args.map((a: any) => a.value ?? a.description).join(' ')}`);
      }
      if (msg.method === 'Log.entryAdded' && (p.entry.level === 'error' || p.entry.level === 'warning')) this.problems.push(`log ${p.entry.level}: ${p.entry.text}`);
    });
  }

  static launch(): Browser {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-chromium-'));
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank'];
    const proc = spawn(CHROMIUM, flags, { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    return new Browser(proc, profile);
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = this.nextId++;
    (this.proc.stdio[3] as Writable).write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  waitFor(method: string, timeoutMs = 30_000): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${method}`)), timeoutMs);
      this.listeners.push((msg) => { if (msg.method === method) { clearTimeout(timer); resolve(msg.params); } });
    });
  }

  /** Opens a page at 1400×900; resolves with an evaluator bound to it once the page says it is ready. */
  async open(url: string): Promise<(expression: string) => Promise<any>> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    for (const domain of ['Runtime', 'Log', 'Page']) await this.send(`${domain}.enable`, {}, sessionId);
    await this.send('Emulation.setDeviceMetricsOverride', { width: 1400, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
    const loaded = this.waitFor('Page.loadEventFired');
    await this.send('Page.navigate', { url }, sessionId);
    await loaded;
    const evaluate = async (expression: string): Promise<any> => {
      const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, sessionId);
      if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      return r.result.value;
    };
    const until = Date.now() + 30_000;
    while ((await evaluate("document.body.getAttribute('data-ready')")) !== 'true') {
      if (Date.now() > until) throw new Error(`page not ready; problems: ${this.problems.join('; ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    (evaluate as any).screenshot = async () => Buffer.from((await this.send('Page.captureScreenshot', { format: 'png' }, sessionId)).data, 'base64');
    return evaluate;
  }

  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise((r) => (this.proc.exitCode !== null ? r(undefined) : this.proc.once('exit', r)));
    await Promise.race([this.send('Browser.close').then(() => exited, () => undefined), new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    for (const stream of this.proc.stdio) stream?.destroy();
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

describe('the report in headless Chromium', () => {
  let browser: Browser | undefined;
  beforeAll(() => { if (haveChromium) browser = Browser.launch(); });
  afterAll(async () => { await browser?.close(); });

  itBrowser('the harness sees console errors and uncaught exceptions (so an empty list means something)', async () => {
    const file = path.join(dir, 'broken.html');
    fs.writeFileSync(file, '<!DOCTYPE html><body data-ready="true"><script>console.error("boom"); notDefined();</script></body>');
    await browser!.open(`file://${file}`);
    await new Promise((r) => setTimeout(r, 200));
    expect(browser!.problems.join('\n')).toMatch(/console\.error: boom[^]*notDefined is not defined/);
    browser!.problems.length = 0;
  });

  itBrowser('renders the graph, bars, paths, histograms and table without console errors, and reacts', async () => {
    const file = path.join(dir, 'full.html');
    const report = syntheticReport(60, { names: true, evaluation: true, paths: true });
    fs.writeFileSync(file, renderReport(report, { title: HOSTILE, top: 40 }));
    const page = await browser!.open(`file://${file}`);
    const count = (sel: string): Promise<number> => page(`document.querySelectorAll(${JSON.stringify(sel)}).length`);
    const edges = report.targets.reduce((n, t) => n + t.sources.length, 0);
    expect(await count('#graph line.edge')).toBeGreaterThanOrEqual(40);
    expect(await count('#graph circle.node')).toBeGreaterThan(10);
    expect(await page("document.getElementById('graph-info').textContent")).toContain(`of ${edges} edges`);
    expect(await count('#hist-nnz rect.hist')).toBeGreaterThan(3);
    expect(await count('#hist-err rect.hist')).toBeGreaterThan(3);
    expect(await count('#path-plots svg path.curve')).toBe(2);
    expect(await count('#acc-table tbody tr')).toBe(60);
    expect(await count('#target-list option')).toBe(60);
    expect(await count('img')).toBe(0);
    expect(await page('document.title')).toBe(HOSTILE);
    // select the hostile-named target through the list: its name is text, its bars are drawn
    const t1 = report.targets[1];
    await page("(() => { const l = document.getElementById('target-list'); l.value = '1'; l.dispatchEvent(new Event('change')); })()");
    expect(await page("document.getElementById('target-title').textContent")).toBe(`${HOSTILE} #1`);
    expect(await count('#bars rect')).toBe(t1.sources.length);
    expect(await page("document.getElementById('graph').classList.contains('focus')")).toBe(true);
    // the K control redraws the graph with fewer edges (plus the selected target's)
    await page("(() => { const i = document.getElementById('k-input'); i.value = '5'; i.dispatchEvent(new Event('change')); })()");
    expect(await count('#graph line.edge')).toBeLessThanOrEqual(5 + t1.sources.length);
    // hover shows the tooltip; search filters the list
    await page("document.querySelector('#graph circle.node').dispatchEvent(new MouseEvent('mouseenter', { clientX: 100, clientY: 100 }))");
    expect(await page("document.getElementById('tooltip').hidden")).toBe(false);
    await page("(() => { const s = document.getElementById('search'); s.value = '类别'; s.dispatchEvent(new Event('input')); })()");
    expect(await count('#target-list option')).toBe(20);
    const png: Buffer = await (page as any).screenshot();
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(browser!.problems).toEqual([]);
  });

  itBrowser('a bare deps report (no names, no evaluation) and a 1000-category one render without errors', async () => {
    const bare = path.join(dir, 'bare.html');
    fs.writeFileSync(bare, renderReport(syntheticReport(8)));
    const page = await browser!.open(`file://${bare}`);
    expect(await page("document.getElementById('accuracy-section').hidden")).toBe(true);
    expect(await page("document.querySelectorAll('#path-plots svg').length")).toBe(0);
    const big = path.join(dir, 'big.html');
    fs.writeFileSync(big, renderReport(syntheticReport(1000, { names: true, maxSources: 14 })));
    const started = Date.now();
    const large = await browser!.open(`file://${big}`);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await large("document.querySelectorAll('#graph line.edge').length")).toBeGreaterThanOrEqual(300);
    const ms: number = await large("(() => { const t = performance.now(); const i = document.getElementById('k-input'); i.value = '3000'; i.dispatchEvent(new Event('change')); return performance.now() - t; })()");
    expect(await large("document.querySelectorAll('#graph line.edge').length")).toBeGreaterThanOrEqual(3000);
    expect(ms).toBeLessThan(10_000);
    expect(browser!.problems).toEqual([]);
  });
});
