/**
 * The page's script, part 2: the dependency graph. Edges source → target weighted by
 * |coefficient|; only the K strongest edges (plus the selected target's) are drawn, laid out by
 * a grid-accelerated Fruchterman–Reingold force simulation on SVG; hover highlights a target's
 * sources, click selects it, drag pans, the wheel zooms.
 * @module
 */
export const GRAPH_JS = String.raw`
var GW = 1000, GH = 700;
function tkey(i) { return (D.cross ? 'T' : 'c') + i; }
function skey(i) { return (D.cross ? 'S' : 'c') + i; }
var targetOf = {};  // node key -> index in D.targets
D.targets.forEach(function (t, k) { targetOf[tkey(t.target)] = k; });
var allEdges = [];
D.targets.forEach(function (t, k) {
  t.sources.forEach(function (s, i) {
    var c = t.coef[i] || 0;
    allEdges.push({ from: skey(s), to: tkey(t.target), k: k, c: c, a: Math.abs(c) });
  });
});
allEdges.sort(function (a, b) { return b.a - a.a; });
var maxA = allEdges.length ? allEdges[0].a || 1 : 1;
var graph = { k: Math.min(D.top, allEdges.length), pinned: null, focus: null, pos: {}, nodes: [], edges: [],
  nodeEls: {}, labelEls: {}, edgeEls: [], view: [0, 0, GW, GH] };

function nodeName(key) {
  var i = Number(key.slice(1));
  return key.charAt(0) === 'S' ? sourceName(i) : targetName(i);
}

// Fruchterman-Reingold with a uniform grid for the repulsion (cut off at 2k) and mild gravity.
function layout(nodes, edges, warm) {
  var n = nodes.length;
  if (!n) return;
  var k = Math.sqrt(GW * GH / n) * 0.85, k2 = k * k, cell = 2 * k;
  var idx = {}, x = new Float64Array(n), y = new Float64Array(n), dx = new Float64Array(n), dy = new Float64Array(n);
  var placed = 0;
  nodes.forEach(function (key, i) {
    idx[key] = i;
    var p = graph.pos[key];
    if (p) { x[i] = p.x; y[i] = p.y; placed++; return; }
    var r = Math.sqrt(i + 0.5) / Math.sqrt(n) * GH * 0.45, a = i * 2.399963;  // phyllotaxis spiral
    x[i] = GW / 2 + r * Math.cos(a);
    y[i] = GH / 2 + r * Math.sin(a);
  });
  var E = edges.map(function (e) { return [idx[e.from], idx[e.to], 0.4 + 0.6 * e.a / maxA]; });
  if (warm && placed < n) {  // put new nodes next to a placed neighbour
    E.forEach(function (e) {
      var a = e[0], b = e[1];
      if (!graph.pos[nodes[a]] && graph.pos[nodes[b]]) { x[a] = x[b] + k * Math.cos(a); y[a] = y[b] + k * Math.sin(a); }
      if (!graph.pos[nodes[b]] && graph.pos[nodes[a]]) { x[b] = x[a] + k * Math.cos(b); y[b] = y[a] + k * Math.sin(b); }
    });
  }
  var iters = warm ? 60 : Math.max(80, Math.min(400, Math.round(4e7 / (n * n + 1))));
  var t0 = warm ? k : GW / 6, grav = 0.6 / Math.sqrt(n);
  for (var it = 0; it < iters; it++) {
    dx.fill(0); dy.fill(0);
    var grid = new Map();
    for (var i = 0; i < n; i++) {
      var gk = Math.floor(x[i] / cell) * 100003 + Math.floor(y[i] / cell);
      var list = grid.get(gk);
      if (list) list.push(i); else grid.set(gk, [i]);
    }
    for (i = 0; i < n; i++) {
      var cx = Math.floor(x[i] / cell), cy = Math.floor(y[i] / cell);
      for (var ox = -1; ox <= 1; ox++) for (var oy = -1; oy <= 1; oy++) {
        var nb = grid.get((cx + ox) * 100003 + cy + oy);
        if (!nb) continue;
        for (var q = 0; q < nb.length; q++) {
          var j = nb[q];
          if (j <= i) continue;
          var ex = x[i] - x[j], ey = y[i] - y[j], d2 = ex * ex + ey * ey;
          if (d2 < 1e-4) { ex = ((i * 7 + j) % 13 - 6) * 0.01 + 0.01; ey = ((i + j * 3) % 11 - 5) * 0.01; d2 = ex * ex + ey * ey; }
          if (d2 > cell * cell) continue;
          var f = k2 / d2;
          dx[i] += ex * f; dy[i] += ey * f; dx[j] -= ex * f; dy[j] -= ey * f;
        }
      }
    }
    for (var m = 0; m < E.length; m++) {
      var a = E[m][0], b = E[m][1];
      var ux = x[a] - x[b], uy = y[a] - y[b], d = Math.sqrt(ux * ux + uy * uy) || 1e-3;
      var fa = d * E[m][2] / k;
      dx[a] -= ux * fa; dy[a] -= uy * fa; dx[b] += ux * fa; dy[b] += uy * fa;
    }
    var temp = t0 * (1 - it / iters) + 0.5;
    for (i = 0; i < n; i++) {
      dx[i] -= (x[i] - GW / 2) * grav * k / 10; dy[i] -= (y[i] - GH / 2) * grav * k / 10;
      var len = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]) || 1, step = Math.min(len, temp);
      x[i] += dx[i] / len * step; y[i] += dy[i] / len * step;
    }
  }
  // fit into the drawing area
  var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (i = 0; i < n; i++) { minX = Math.min(minX, x[i]); maxX = Math.max(maxX, x[i]); minY = Math.min(minY, y[i]); maxY = Math.max(maxY, y[i]); }
  var s = Math.min((GW - 60) / Math.max(maxX - minX, 1), (GH - 40) / Math.max(maxY - minY, 1), warm ? 1 : 4);
  for (i = 0; i < n; i++) {
    graph.pos[nodes[i]] = { x: 30 + (x[i] - minX) * s + ((GW - 60) - (maxX - minX) * s) / 2,
      y: 20 + (y[i] - minY) * s + ((GH - 40) - (maxY - minY) * s) / 2 };
  }
}

function buildGraph() {
  var edges = allEdges.slice(0, graph.k);
  if (graph.pinned !== null) {
    allEdges.forEach(function (e, i) { if (e.k === graph.pinned && i >= graph.k) edges.push(e); });
  }
  var seen = {}, nodes = [], deg = {};
  edges.forEach(function (e) {
    [e.from, e.to].forEach(function (key) {
      if (!seen[key]) { seen[key] = true; nodes.push(key); deg[key] = 0; }
      deg[key]++;
    });
  });
  if (graph.pinned !== null) {
    var pk = tkey(D.targets[graph.pinned].target);
    if (!seen[pk]) { nodes.push(pk); deg[pk] = 0; }
  }
  var fresh = nodes.filter(function (key) { return !graph.pos[key]; }).length;
  layout(nodes, edges, fresh < nodes.length && fresh <= nodes.length / 4);
  graph.nodes = nodes; graph.edges = edges; graph.deg = deg;
  drawGraph();
}

function drawGraph() {
  var svg = $('graph');
  clear(svg);
  graph.nodeEls = {}; graph.labelEls = {}; graph.edgeEls = [];
  var defs = svgEl('defs', null, svg);
  ['pos', 'neg'].forEach(function (sign) {
    var mk = svgEl('marker', { id: 'arrow-' + sign, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 5,
      markerHeight: 5, orient: 'auto-start-reverse' }, defs);
    svgEl('path', { d: 'M0 0L10 5L0 10z', fill: sign === 'pos' ? '#2b6cb0' : '#c53030' }, mk);
  });
  var vp = svgEl('g', { id: 'viewport' }, svg);
  var ge = svgEl('g', { 'class': 'edges' }, vp), gn = svgEl('g', { 'class': 'nodes' }, vp), gl = svgEl('g', { 'class': 'labels' }, vp);
  var radius = function (key) { return Math.min(3 + Math.sqrt(graph.deg[key] || 0) * 1.6, 12); };
  graph.edges.forEach(function (e) {
    var p = graph.pos[e.from], q = graph.pos[e.to], ux = q.x - p.x, uy = q.y - p.y, d = Math.sqrt(ux * ux + uy * uy) || 1;
    var r = radius(e.to) + 1.5, w = e.a / maxA;
    var line = svgEl('line', { x1: p.x.toFixed(1), y1: p.y.toFixed(1), x2: (q.x - ux / d * r).toFixed(1), y2: (q.y - uy / d * r).toFixed(1),
      stroke: e.c < 0 ? '#c53030' : '#2b6cb0', 'stroke-width': (0.6 + 2.6 * w).toFixed(2),
      'stroke-opacity': (0.25 + 0.6 * w).toFixed(2), 'marker-end': 'url(#arrow-' + (e.c < 0 ? 'neg' : 'pos') + ')', 'class': 'edge' }, ge);
    graph.edgeEls.push({ e: e, el: line });
  });
  var ranked = graph.nodes.slice().sort(function (a, b) { return graph.deg[b] - graph.deg[a]; });
  var showAll = $('labels-toggle').checked || graph.nodes.length <= 150;
  var labelled = {};
  ranked.slice(0, showAll ? ranked.length : 40).forEach(function (key) { labelled[key] = true; });
  graph.nodes.forEach(function (key) {
    var p = graph.pos[key], r = radius(key);
    var c = svgEl('circle', { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: r.toFixed(1),
      'class': 'node ' + (key.charAt(0) === 'S' || targetOf[key] === undefined ? 's' : 't'), 'data-key': key }, gn);
    graph.nodeEls[key] = c;
    var lbl = svgEl('text', { x: (p.x + r + 2).toFixed(1), y: (p.y + 3.5).toFixed(1), 'class': 'lbl' }, gl, shorten(nodeName(key), 18));
    if (!labelled[key]) lbl.setAttribute('display', 'none');
    graph.labelEls[key] = lbl;
    c.addEventListener('mouseenter', function (ev) { highlight(key); showTip(key, ev); });
    c.addEventListener('mousemove', function (ev) { showTip(key, ev); });
    c.addEventListener('mouseleave', function () { $('tooltip').hidden = true; highlight(graph.focus); });
    c.addEventListener('click', function () { if (targetOf[key] !== undefined) selectTarget(targetOf[key]); });
  });
  $('graph-info').textContent = graph.edges.length + ' of ' + allEdges.length + ' edges, ' + graph.nodes.length + ' nodes';
  applyView();
  highlight(graph.focus);
}

// Highlights a target and its sources (key null: nothing).
function highlight(key) {
  var svg = $('graph');
  svg.querySelectorAll('.hl').forEach(function (e) { e.classList.remove('hl', 'sel'); });
  if (!key || !graph.nodeEls[key]) { svg.classList.remove('focus'); return; }
  svg.classList.add('focus');
  var mark = function (k2) {
    if (graph.nodeEls[k2]) graph.nodeEls[k2].classList.add('hl');
    if (graph.labelEls[k2]) { graph.labelEls[k2].classList.add('hl'); graph.labelEls[k2].removeAttribute('display'); }
  };
  mark(key);
  graph.nodeEls[key].classList.add('sel');
  graph.edgeEls.forEach(function (x) { if (x.e.to === key) { x.el.classList.add('hl'); mark(x.e.from); } });
}

function showTip(key, ev) {
  var tip = $('tooltip'), k = targetOf[key], i = Number(key.slice(1));
  var lines = [withIndex(nodeName(key), i) + (key.charAt(0) === 'S' ? ' (source model)' : '')];
  if (k !== undefined) {
    var t = D.targets[k];
    lines.push(t.sources.length + ' source' + (t.sources.length === 1 ? '' : 's') + ', relative error ' + pct(t.relativeError));
    t.sources.slice(0, 5).forEach(function (s, j) { lines.push('  ' + fmt(t.coef[j], 3) + ' \u00b7 ' + sourceName(s)); });
    if (t.sources.length > 5) lines.push('  \u2026');
  }
  tip.textContent = lines.join('\n');
  var box = $('graph').parentNode.getBoundingClientRect();
  tip.style.left = Math.min(ev.clientX - box.left + 12, box.width - 200) + 'px';
  tip.style.top = (ev.clientY - box.top + 12) + 'px';
  tip.hidden = false;
}

function applyView() { $('graph').setAttribute('viewBox', graph.view.map(function (v) { return v.toFixed(1); }).join(' ')); }

function setK(k) {
  k = Math.max(1, Math.min(Math.round(Number(k)) || 1, allEdges.length));
  graph.k = k;
  $('k-range').value = k; $('k-input').value = k;
  buildGraph();
}

function initGraph() {
  var maxK = Math.max(allEdges.length, 1);
  ['k-range', 'k-input'].forEach(function (id) { $(id).max = maxK; $(id).value = graph.k; });
  $('k-range').addEventListener('change', function () { setK(this.value); });
  $('k-range').addEventListener('input', function () { $('k-input').value = this.value; });
  $('k-input').addEventListener('change', function () { setK(this.value); });
  $('labels-toggle').addEventListener('change', drawGraph);
  $('reset-view').addEventListener('click', function () { graph.view = [0, 0, GW, GH]; applyView(); });
  var svg = $('graph'), drag = null;
  var scale = function () { var r = svg.getBoundingClientRect(); return Math.max(graph.view[2] / r.width, graph.view[3] / r.height); };
  svg.addEventListener('pointerdown', function (ev) {
    if (ev.target.classList.contains('node')) return;
    drag = { x: ev.clientX, y: ev.clientY, v: graph.view.slice(), s: scale() };
    svg.classList.add('dragging');
  });
  window.addEventListener('pointermove', function (ev) {
    if (!drag) return;
    graph.view[0] = drag.v[0] - (ev.clientX - drag.x) * drag.s;
    graph.view[1] = drag.v[1] - (ev.clientY - drag.y) * drag.s;
    applyView();
  });
  window.addEventListener('pointerup', function () { drag = null; svg.classList.remove('dragging'); });
  svg.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var r = svg.getBoundingClientRect(), f = Math.exp(ev.deltaY * 0.0015), v = graph.view, s = scale();
    var px = v[0] + (ev.clientX - r.left) * s, py = v[1] + (ev.clientY - r.top) * s;
    graph.view = [px - (px - v[0]) * f, py - (py - v[1]) * f, v[2] * f, v[3] * f];
    applyView();
  }, { passive: false });
  buildGraph();
}
`;
