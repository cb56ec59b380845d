/**
 * The page's script, part 3: summary cards, the searchable target list with the selected
 * target's source bars and λ paths, the histograms and the accuracy table.
 * @module
 */
export const MAIN_JS = String.raw`
var selected = null;
var ACC = ['accuracyBefore', 'accuracyAfter', 'recallBefore', 'recallAfter'];
var hasAccuracy = D.targets.some(function (t) { return ACC.some(function (f) { return has(t[f]); }); });

function card(parent, value, label) {
  var c = htmlEl('div', 'stat', parent);
  htmlEl('b', null, c, value);
  htmlEl('span', null, c, label);
}

function summary() {
  var nnz = D.targets.map(function (t) { return t.sources.length; });
  var ratio = median(D.targets.map(function (t) { return has(t.lambda) && t.lambdaMax > 0 ? t.lambda / t.lambdaMax : NaN; }));
  var conv = D.targets.filter(function (t) { return t.converged === true; }).length;
  var parts = [];
  if (D.cross) parts.push('cross-model: sources from ' + (D.sourceModel || 'another model') + ', targets from this one');
  if (has(ratio)) parts.push('median \u03bb = ' + fmt(ratio, 3) + '\u00b7\u03bb_max');
  parts.push(D.center ? 'centered (with intercepts)' : 'second moment (no centering)');
  $('subtitle').textContent = parts.join(' \u00b7 ');
  var cards = $('cards');
  if (has(D.categories)) card(cards, String(D.categories), 'categories');
  if (has(D.samples)) card(cards, String(D.samples), 'samples');
  card(cards, String(D.targets.length), 'targets');
  card(cards, String(allEdges.length), 'dependencies (edges)');
  card(cards, fmt(median(nnz), 3), 'median sources');
  card(cards, pct(median(D.targets.map(function (t) { return t.relativeError; }))), 'median relative error');
  card(cards, conv + '/' + D.targets.length, 'certified');
  var ev = D.evaluation || {};
  if (has(ev.accuracyBefore)) card(cards, pct(ev.accuracyBefore), 'accuracy before');
  if (has(ev.accuracyAllReplaced)) card(cards, pct(ev.accuracyAllReplaced), 'accuracy, all replaced');
}

var SORTS = [
  ['index', 'by index', function (a, b) { return a.target - b.target; }],
  ['err', 'by relative error', function (a, b) { return (a.relativeError || 0) - (b.relativeError || 0); }],
  ['nnz', 'by number of sources', function (a, b) { return b.sources.length - a.sources.length; }],
  ['acc', 'by accuracy change', function (a, b) { return delta(a, 'accuracy') - delta(b, 'accuracy'); }],
];
function delta(t, what) { var v = t[what + 'After'] - t[what + 'Before']; return has(v) ? v : Infinity; }

function fillList() {
  var q = $('search').value.trim().toLowerCase(), sort = SORTS.filter(function (s) { return s[0] === $('sort').value; })[0];
  var idx = q.charAt(0) === '#' ? q.slice(1) : q;
  var items = D.targets.map(function (t, k) { return k; }).filter(function (k) {
    var t = D.targets[k];
    return !q || targetName(t.target).toLowerCase().indexOf(q) >= 0 || String(t.target) === idx;
  });
  items.sort(function (a, b) { return sort[2](D.targets[a], D.targets[b]) || a - b; });
  var list = $('target-list');
  clear(list);
  items.forEach(function (k) {
    var t = D.targets[k], o = htmlEl('option', null, list);
    o.value = String(k);
    o.textContent = withIndex(targetName(t.target), t.target) + ' \u2014 ' + t.sources.length + ' src, ' + pct(t.relativeError);
    if (k === selected) o.selected = true;
  });
  $('list-info').textContent = items.length + ' of ' + D.targets.length + ' targets';
}

function fact(dl, label, value) { htmlEl('dt', null, dl, label); htmlEl('dd', null, dl, value); }

function showTarget(k) {
  var t = D.targets[k];
  $('target-title').textContent = withIndex(targetName(t.target), t.target);
  var dl = $('target-facts');
  clear(dl);
  fact(dl, '\u03bb', fmt(t.lambda) + (t.lambdaMax > 0 ? '  (' + fmt(t.lambda / t.lambdaMax, 3) + '\u00b7\u03bb_max, \u03bb_max ' + fmt(t.lambdaMax) + ')' : ''));
  fact(dl, 'sources', String(t.sources.length));
  fact(dl, 'relative error', pct(t.relativeError) + '  (residual variance ' + fmt(t.residualVariance) + ')');
  if (has(t.intercept)) fact(dl, 'intercept', fmt(t.intercept));
  fact(dl, 'certificate', (t.converged === false ? 'NOT converged' : 'converged') + ', gap ' + fmt(t.gap) + ', ' + (has(t.iterations) ? t.iterations : '\u2013') + ' sweeps');
  if (has(t.accuracyBefore) || has(t.accuracyAfter)) fact(dl, 'accuracy', pct(t.accuracyBefore) + ' \u2192 ' + pct(t.accuracyAfter));
  if (has(t.recallBefore) || has(t.recallAfter)) fact(dl, 'recall', pct(t.recallBefore) + ' \u2192 ' + pct(t.recallAfter));
  var labels = t.sources.map(function (s) { return withIndex(sourceName(s), s); });
  signedBars($('bars'), labels, t.coef, D.cross ? null : function (i) {
    var k2 = targetOf[tkey(t.sources[i])];
    if (k2 !== undefined) selectTarget(k2);
  });
  var plots = $('path-plots');
  clear(plots);
  if (t.path && t.path.lambdas && t.path.lambdas.length) {
    var p1 = svgEl('svg', { 'class': 'path-plot', width: 330, height: 190 }, plots);
    linePlot(p1, t.path.lambdas, t.path.relativeError, { title: 'relative error along the \u03bb path', xlabel: '\u03bb (log scale)', mark: t.lambda });
    var p2 = svgEl('svg', { 'class': 'path-plot', width: 330, height: 190 }, plots);
    linePlot(p2, t.path.lambdas, t.path.nnz, { title: 'number of sources along the \u03bb path', xlabel: '\u03bb (log scale)', mark: t.lambda, step: true });
  }
}

function selectTarget(k, quiet) {
  selected = k;
  var list = $('target-list');
  for (var i = 0; i < list.options.length; i++) list.options[i].selected = Number(list.options[i].value) === k;
  showTarget(k);
  var key = tkey(D.targets[k].target);
  graph.focus = quiet ? null : key;
  var inTop = allEdges.slice(0, graph.k).some(function (e) { return e.k === k; });
  var pin = D.targets[k].sources.length > 0 && !inTop ? k : null;  // its edges join the graph
  if (pin !== graph.pinned) { graph.pinned = pin; buildGraph(); } else highlight(graph.focus);
}

function histograms() {
  var nnz = D.targets.map(function (t) { return t.sources.length; });
  var max = Math.max.apply(null, nnz.concat([0])), width = Math.max(1, Math.ceil((max + 1) / 40));
  var counts = [], labels = [], titles = [];
  for (var b = 0; b * width <= max; b++) {
    counts.push(0);
    labels.push(String(b * width));
    titles.push(width === 1 ? b + ' sources' : b * width + '\u2013' + (b * width + width - 1) + ' sources');
  }
  nnz.forEach(function (v) { counts[Math.floor(v / width)]++; });
  histogram($('hist-nnz'), counts, labels, { xlabel: 'number of sources', titles: titles });
  var errs = D.targets.map(function (t) { return t.relativeError; }).filter(has);
  var edges = [0, 1e-4, 1e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0001];
  var ec = edges.slice(1).map(function () { return 0; });
  errs.forEach(function (e) { for (var i = 1; i < edges.length; i++) if (e < edges[i] || i === edges.length - 1) { ec[i - 1]++; break; } });
  var el = edges.slice(1).map(function (e, i) { return '<' + (i === edges.length - 2 ? '\u22651' : pct(e).replace('.00', '')); });
  histogram($('hist-err'), ec, el, { xlabel: 'relative error (residual variance / variance)' });
}

var COLS = [
  ['target', 'target', function (t) { return t.target; }, String],
  ['name', 'name', function (t) { return targetName(t.target); }, String],
  ['sources', 'sources', function (t) { return t.sources.length; }, String],
  ['relativeError', 'rel. error', function (t) { return t.relativeError; }, pct],
  ['accuracyBefore', 'acc. before', function (t) { return t.accuracyBefore; }, pct],
  ['accuracyAfter', 'acc. after', function (t) { return t.accuracyAfter; }, pct],
  ['accuracyDelta', '\u0394 acc. (pt)', function (t) { return t.accuracyAfter - t.accuracyBefore; }, signedPct],
  ['recallBefore', 'recall before', function (t) { return t.recallBefore; }, pct],
  ['recallAfter', 'recall after', function (t) { return t.recallAfter; }, pct],
  ['recallDelta', '\u0394 recall (pt)', function (t) { return t.recallAfter - t.recallBefore; }, signedPct],
];
var tableSort = { col: 'target', dir: 1 };

function accuracy() {
  var ev = D.evaluation;
  if (!hasAccuracy && !ev) return;
  $('accuracy-section').hidden = false;
  var overall = $('overall');
  if (ev && has(ev.rows)) card(overall, String(ev.rows), 'evaluation rows');
  if (ev && has(ev.accuracyBefore)) card(overall, pct(ev.accuracyBefore), 'top-1 accuracy before');
  if (ev && has(ev.accuracyAllReplaced)) card(overall, pct(ev.accuracyAllReplaced), 'all targets replaced');
  if (ev && has(ev.accuracyAllReplaced - ev.accuracyBefore)) card(overall, signedPct(ev.accuracyAllReplaced - ev.accuracyBefore) + ' pt', 'change');
  var dAcc = median(D.targets.map(function (t) { return t.accuracyAfter - t.accuracyBefore; }));
  if (has(dAcc)) card(overall, signedPct(dAcc) + ' pt', 'median per-target accuracy change');
  var dRec = median(D.targets.map(function (t) { return t.recallAfter - t.recallBefore; }));
  if (has(dRec)) card(overall, signedPct(dRec) + ' pt', 'median per-target recall change');
  if (hasAccuracy) drawTable(); else $('acc-table').parentNode.hidden = true;
}

function drawTable() {
  var cols = COLS.filter(function (c) { return c[0] === 'target' || c[0] === 'name' || D.targets.some(function (t) { return has(c[2](t)); }); });
  var head = $('acc-table').tHead, body = $('acc-table').tBodies[0];
  clear(head); clear(body);
  var tr = htmlEl('tr', null, head);
  cols.forEach(function (c) {
    var th = htmlEl('th', c[0] === 'name' ? 'name' : null, tr, c[1] + (tableSort.col === c[0] ? (tableSort.dir > 0 ? ' \u25b2' : ' \u25bc') : ''));
    th.addEventListener('click', function () {
      tableSort = { col: c[0], dir: tableSort.col === c[0] ? -tableSort.dir : 1 };
      drawTable();
    });
  });
  var col = cols.filter(function (c) { return c[0] === tableSort.col; })[0];
  var rows = D.targets.map(function (t, k) { return k; });
  rows.sort(function (a, b) {
    var x = col[2](D.targets[a]), y = col[2](D.targets[b]);
    if (typeof x === 'string') return tableSort.dir * x.localeCompare(y);
    x = has(x) ? x : Infinity; y = has(y) ? y : Infinity;
    return x === y ? a - b : tableSort.dir * (x < y ? -1 : 1);
  });
  rows.forEach(function (k) {
    var t = D.targets[k], row = htmlEl('tr', null, body);
    cols.forEach(function (c) {
      var v = c[2](t), td = htmlEl('td', c[0] === 'name' ? 'name' : null, row, c[3](v));
      if (/Delta$/.test(c[0]) && has(v) && v !== 0) td.className = v > 0 ? 'up' : 'down';
    });
    row.addEventListener('click', function () { selectTarget(k); $('target-section').scrollIntoView({ behavior: 'smooth' }); });
  });
}

function init() {
  document.title = D.title;
  summary();
  SORTS.forEach(function (s) {
    if (s[0] === 'acc' && !hasAccuracy) return;
    var o = htmlEl('option', null, $('sort'), s[1]);
    o.value = s[0];
  });
  $('search').addEventListener('input', fillList);
  $('sort').addEventListener('change', fillList);
  $('target-list').addEventListener('change', function () { if (this.value !== '') selectTarget(Number(this.value)); });
  initGraph();
  histograms();
  accuracy();
  fillList();
  // start on the target of the strongest edge (else the first target)
  if (D.targets.length) selectTarget(allEdges.length ? allEdges[0].k : 0, true);
  document.body.setAttribute('data-ready', 'true');
}
init();
`;
