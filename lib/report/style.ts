/**
 * The report's inline style sheet (system fonts only: nothing is fetched).
 * @module
 */
export const REPORT_CSS = `
:root { --fg: #1a202c; --muted: #5a6473; --line: #d8dde6; --bg: #f5f7fa; --card: #fff;
  --pos: #2b6cb0; --neg: #c53030; --accent: #d69e2e; --node: #4a5568; --src: #805ad5; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC",
  "WenQuanYi Zen Hei", "PingFang SC", "Microsoft YaHei", sans-serif; }
header { padding: 14px 20px 6px; }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 0 0 8px; }
h3 { font-size: 15px; margin: 0 0 6px; }
.sub, .note { color: var(--muted); margin: 0; }
.note { font-size: 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 5px 10px; }
.stat b { display: block; font-size: 16px; }
.stat span { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .03em; }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px; padding: 8px 20px 20px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; min-width: 0; }
.wide { grid-column: 1 / -1; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; margin-bottom: 6px; font-size: 13px; }
.controls input[type=number] { width: 72px; }
.controls input[type=range] { width: 160px; }
.graph-wrap { position: relative; }
svg { display: block; max-width: 100%; }
#bars, #hist-nnz, #hist-err { width: 100%; height: auto; }
#hist-nnz, #hist-err { max-width: 640px; }
.path-plot { width: 330px; height: 190px; }
#graph { width: 100%; height: 560px; border: 1px solid var(--line); border-radius: 6px; background: #fcfdfe;
  cursor: grab; touch-action: none; user-select: none; }
#graph.dragging { cursor: grabbing; }
.edge { fill: none; }
.node { stroke: #fff; stroke-width: 1; cursor: pointer; }
.node.t { fill: var(--node); }
.node.s { fill: var(--src); }
.lbl { font-size: 12px; fill: #2d3748; pointer-events: none; paint-order: stroke; stroke: #fff; stroke-width: 2.5px; }
#graph.focus .edge:not(.hl) { opacity: .05; }
#graph.focus .node:not(.hl) { opacity: .25; }
#graph.focus .lbl:not(.hl) { display: none; }
.node.hl.sel { fill: var(--accent); }
.lbl.hl { display: inline; font-weight: 600; }
.tooltip { position: absolute; pointer-events: none; background: rgba(26,32,44,.92); color: #fff; padding: 6px 8px;
  border-radius: 4px; font-size: 12px; max-width: 320px; white-space: pre-line; z-index: 2; }
.split { display: grid; grid-template-columns: minmax(150px, 190px) minmax(0, 1fr); gap: 12px; }
.list-col input, .list-col select { width: 100%; margin-bottom: 6px; font: inherit; }
#target-list { height: 420px; }
dl.facts { display: grid; grid-template-columns: auto 1fr; gap: 1px 10px; margin: 0 0 8px; font-size: 12px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
.bar-pos { fill: var(--pos); }
.bar-neg { fill: var(--neg); }
.bar-row { cursor: pointer; }
.bar-row:hover rect { opacity: .75; }
.hist { fill: #4a7ab5; }
.axis { stroke: #718096; stroke-width: 1; }
.grid { stroke: #e2e8f0; stroke-width: 1; }
.tick { font-size: 10px; fill: var(--muted); }
.title { font-size: 11px; fill: var(--muted); }
.curve { fill: none; stroke: var(--pos); stroke-width: 1.8; }
.curve.nnz { stroke: var(--src); }
.mark { stroke: var(--accent); stroke-width: 1.5; stroke-dasharray: 4 3; }
.plots { display: flex; flex-wrap: wrap; gap: 8px; }
.table-wrap { max-height: 420px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid #edf2f7; text-align: right; white-space: nowrap; }
th { position: sticky; top: 0; background: #edf2f7; cursor: pointer; }
td.name, th.name { text-align: left; }
tr:hover td { background: #fefcbf; cursor: pointer; }
.up { color: #276749; }
.down { color: var(--neg); }
@media (max-width: 1000px) { main { grid-template-columns: 1fr; } }
`;
