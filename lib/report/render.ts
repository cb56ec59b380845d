/**
 * `renderReport`: one self-contained HTML page (inline CSS, JS and SVG; no network) showing a
 * dependency report: an interactive graph, per-target source bars, λ paths, a sparsity
 * histogram and the accuracy table.
 * @module
 */
import { createHash } from 'node:crypto';
import { GRAPH_JS } from './client-graph';
import { MAIN_JS } from './client-main';
import { UTIL_JS } from './client-util';
import { reportData } from './data';
import { escapeHtml, scriptJson } from './escape';
import { REPORT_CSS } from './style';
import type { ReportInput, ReportOptions } from './types';

/** The page's script (plain browser JS, no dependencies). */
export const REPORT_JS = `(function () {\n'use strict';\n${UTIL_JS}\n${GRAPH_JS}\n${MAIN_JS}\n})();\n`;

const BODY = `
<header>
  <h1 id="title">TITLE</h1>
  <p class="sub" id="subtitle"></p>
  <div class="cards" id="cards"></div>
</header>
<main>
  <section class="card" id="graph-section">
    <h2>Dependency graph</h2>
    <div class="controls">
      <label>Strongest edges <input type="range" id="k-range" min="1" max="1"></label>
      <input type="number" id="k-input" min="1" aria-label="number of edges">
      <span class="note" id="graph-info"></span>
      <label><input type="checkbox" id="labels-toggle"> all labels</label>
      <button type="button" id="reset-view">Reset view</button>
    </div>
    <div class="graph-wrap">
      <svg id="graph" viewBox="0 0 1000 700" role="img" aria-label="dependency graph"></svg>
      <div class="tooltip" id="tooltip" hidden></div>
    </div>
    <p class="note" id="graph-legend">Arrows point from source to target; blue: positive coefficient, red: negative;
      width: |coefficient|. Hover a node to see its sources, click it to select it; drag to pan, wheel to zoom.</p>
  </section>
  <section class="card" id="target-section">
    <h2>Targets</h2>
    <div class="split">
      <div class="list-col">
        <input type="search" id="search" placeholder="Search name or #index" aria-label="search targets">
        <select id="sort" aria-label="sort targets"></select>
        <select id="target-list" size="16" aria-label="targets"></select>
        <p class="note" id="list-info"></p>
      </div>
      <div class="detail-col">
        <h3 id="target-title"></h3>
        <dl class="facts" id="target-facts"></dl>
        <svg id="bars" viewBox="0 0 520 60" aria-label="source coefficients"></svg>
        <div class="plots" id="path-plots"></div>
      </div>
    </div>
  </section>
  <section class="card" id="sparsity-section">
    <h2>Sparsity: sources per target</h2>
    <svg id="hist-nnz" viewBox="0 0 520 220" aria-label="sparsity histogram"></svg>
  </section>
  <section class="card" id="error-section">
    <h2>Relative error per target</h2>
    <svg id="hist-err" viewBox="0 0 520 220" aria-label="relative error histogram"></svg>
  </section>
  <section class="card wide" id="accuracy-section" hidden>
    <h2>Accuracy</h2>
    <div class="cards" id="overall"></div>
    <p class="note">Top-1 accuracy over the evaluation rows and the recall of the target's class, before and
      after replacing the target's logit by its dependency. Click a column to sort, a row to select the target.</p>
    <div class="table-wrap"><table id="acc-table"><thead></thead><tbody></tbody></table></div>
  </section>
</main>`;

/**
 * Renders a dependency report (the JSON of `covlasso deps`, or of `covlasso cross`, with
 * optional evaluation and λ paths) as one self-contained HTML page.
 * @example
 * fs.writeFileSync('report.html', renderReport(await findDependencies(logits, { names })));
 */
export function renderReport(report: ReportInput, options: ReportOptions = {}): string {
  const data = reportData(report, options);
  const title = escapeHtml(data.title);
  const hash = createHash('sha256').update(REPORT_JS).digest('base64');
  // The policy forbids every fetch (no network at all) and any script but ours.
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${hash}'`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="covlasso">
<title>${title}</title>
<style>${REPORT_CSS}</style>
</head>
<body>${BODY.replace('TITLE', () => title)}
<script type="application/json" id="covlasso-data">${scriptJson(data)}</script>
<script>${REPORT_JS}</script>
</body>
</html>
`;
}
