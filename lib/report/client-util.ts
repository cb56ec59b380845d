/**
 * The page's script, part 1: data, DOM helpers, number formatting and the SVG charts
 * (histogram, line plot with log-x, signed horizontal bars). Plain browser JS in a string.
 * @module
 */
export const UTIL_JS = String.raw`
var D = JSON.parse(document.getElementById('covlasso-data').textContent);
// The namespace comes from the page's own inline <svg> (no URL literal in the page).
var SVGNS = document.getElementById('graph').namespaceURI;
function $(id) { return document.getElementById(id); }
function svgEl(tag, attrs, parent, text) {
  var e = document.createElementNS(SVGNS, tag);
  if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function htmlEl(tag, cls, parent, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
function has(v) { return typeof v === 'number' && isFinite(v); }
function fmt(v, digits) {
  if (!has(v)) return '\u2013';
  var a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return String(Number(v.toPrecision(digits || 4)));
}
function pct(v) { return has(v) ? (100 * v).toFixed(2) + '%' : '\u2013'; }
function signedPct(v) { return has(v) ? (v >= 0 ? '+' : '\u2212') + Math.abs(100 * v).toFixed(2) : '\u2013'; }
function lookup(table, i) { var n = table && table[i]; return n === null || n === undefined ? '#' + i : n; }
function targetName(i) { return lookup(D.names, i); }
function sourceName(i) { return lookup(D.cross ? D.sourceNames : D.names, i); }
function withIndex(name, i) { return name === '#' + i ? name : name + ' #' + i; }
function shorten(s, n) { return s.length > n ? s.slice(0, n - 1) + '\u2026' : s; }
function median(values) {
  var v = values.filter(has).sort(function (a, b) { return a - b; });
  if (!v.length) return NaN;
  var m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
function niceMax(v) {
  if (!(v > 0)) return 1;
  var p = Math.pow(10, Math.floor(Math.log10(v))), r = v / p;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * p;
}

// Vertical-bar histogram: counts[b] with labels[b]; titles[b] for the hover text.
function histogram(svg, counts, labels, opts) {
  clear(svg);
  var W = 520, H = 220, L = 46, R = 10, T = 10, B = 40;
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  var max = niceMax(Math.max.apply(null, counts.concat([1])));
  var bw = (W - L - R) / Math.max(counts.length, 1);
  for (var g = 0; g <= 4; g++) {
    var gy = T + (H - T - B) * (1 - g / 4);
    svgEl('line', { x1: L, x2: W - R, y1: gy, y2: gy, 'class': 'grid' }, svg);
    svgEl('text', { x: L - 4, y: gy + 3, 'text-anchor': 'end', 'class': 'tick' }, svg, fmt(max * g / 4, 3));
  }
  var every = Math.ceil(counts.length / 16);
  counts.forEach(function (c, b) {
    var h = (H - T - B) * c / max, x = L + b * bw;
    var r = svgEl('rect', { x: x + 0.5, y: H - B - h, width: Math.max(bw - 1, 0.5), height: h, 'class': 'hist' }, svg);
    svgEl('title', null, r, (opts.titles ? opts.titles[b] : labels[b]) + ': ' + c + ' target' + (c === 1 ? '' : 's'));
    if (b % every === 0) svgEl('text', { x: x + bw / 2, y: H - B + 12, 'text-anchor': 'middle', 'class': 'tick' }, svg, labels[b]);
  });
  svgEl('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, 'class': 'axis' }, svg);
  svgEl('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle', 'class': 'title' }, svg, opts.xlabel);
  svgEl('text', { x: 12, y: (T + H - B) / 2, 'text-anchor': 'middle', 'class': 'title',
    transform: 'rotate(-90 12 ' + (T + H - B) / 2 + ')' }, svg, opts.ylabel || 'targets');
}

// Line plot of ys against xs on a log-x axis; opts.mark draws a vertical line at that x.
function linePlot(svg, xs, ys, opts) {
  clear(svg);
  var W = 330, H = 190, L = 46, R = 10, T = 18, B = 34;
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  var pts = [];
  for (var i = 0; i < xs.length && i < ys.length; i++) if (xs[i] > 0 && has(ys[i])) pts.push([Math.log10(xs[i]), ys[i]]);
  svgEl('text', { x: L, y: 11, 'class': 'title' }, svg, opts.title);
  if (!pts.length) return;
  var x0 = Math.min.apply(null, pts.map(function (p) { return p[0]; }));
  var x1 = Math.max.apply(null, pts.map(function (p) { return p[0]; }));
  if (x1 - x0 < 1e-9) { x0 -= 0.5; x1 += 0.5; }
  var y1 = niceMax(Math.max.apply(null, pts.map(function (p) { return p[1]; })));
  var sx = function (v) { return L + (W - L - R) * (v - x0) / (x1 - x0); };
  var sy = function (v) { return H - B - (H - T - B) * v / y1; };
  for (var g = 0; g <= 4; g++) {
    var gy = sy(y1 * g / 4);
    svgEl('line', { x1: L, x2: W - R, y1: gy, y2: gy, 'class': 'grid' }, svg);
    svgEl('text', { x: L - 4, y: gy + 3, 'text-anchor': 'end', 'class': 'tick' }, svg, fmt(y1 * g / 4, 3));
  }
  var step = Math.max(1, Math.ceil((Math.floor(x1) - Math.ceil(x0)) / 6));
  for (var d = Math.ceil(x0); d <= Math.floor(x1); d += step) {
    svgEl('line', { x1: sx(d), x2: sx(d), y1: T, y2: H - B, 'class': 'grid' }, svg);
    svgEl('text', { x: sx(d), y: H - B + 12, 'text-anchor': 'middle', 'class': 'tick' }, svg, '1e' + d);
  }
  svgEl('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, 'class': 'axis' }, svg);
  svgEl('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle', 'class': 'title' }, svg, opts.xlabel);
  var dpath = pts.map(function (p, k) {
    var x = sx(p[0]).toFixed(1), y = sy(p[1]).toFixed(1);
    if (k === 0 || !opts.step) return (k ? 'L' : 'M') + x + ' ' + y;
    return 'H' + x + 'V' + y;
  }).join('');
  svgEl('path', { d: dpath, 'class': 'curve' + (opts.step ? ' nnz' : '') }, svg);
  if (opts.mark > 0) {
    var mx = Math.log10(opts.mark);
    if (mx >= x0 - 1e-9 && mx <= x1 + 1e-9) svgEl('line', { x1: sx(mx), x2: sx(mx), y1: T, y2: H - B, 'class': 'mark' }, svg);
  }
}

// Signed horizontal bars: one row per source, labelled with its name; onPick(i) on click.
function signedBars(svg, labels, values, onPick) {
  clear(svg);
  // drawn at the element's own width, so that the text keeps its size
  var W = Math.max(300, Math.round(svg.getBoundingClientRect().width) || 520), rowH = 20, T = 6, B = 6;
  var LW = Math.min(150, Math.round(W * 0.34)), RW = 62;
  var H = T + B + Math.max(values.length, 1) * rowH;
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  if (!values.length) {
    svgEl('text', { x: 8, y: T + 14, 'class': 'title' }, svg, 'no sources: \u03bb \u2265 \u03bb_max, the target depends on nothing');
    return;
  }
  var maxAbs = Math.max.apply(null, values.map(Math.abs)) || 1;
  var neg = values.some(function (v) { return v < 0; });
  var x0 = neg ? LW + (W - LW - RW) / 2 : LW, span = neg ? (W - LW - RW) / 2 : W - LW - RW;
  values.forEach(function (v, i) {
    var y = T + i * rowH, len = span * Math.abs(v) / maxAbs;
    var g = svgEl('g', { 'class': 'bar-row' }, svg);
    svgEl('title', null, g, labels[i] + ': ' + v);
    svgEl('text', { x: LW - 6, y: y + 14, 'text-anchor': 'end', 'class': 'tick' }, g, shorten(labels[i], 26));
    svgEl('rect', { x: v < 0 ? x0 - len : x0, y: y + 3, width: Math.max(len, 0.5), height: rowH - 6,
      'class': v < 0 ? 'bar-neg' : 'bar-pos' }, g);
    svgEl('text', { x: W - 4, y: y + 14, 'text-anchor': 'end', 'class': 'tick' }, g, fmt(v, 3));
    if (onPick) g.addEventListener('click', function () { onPick(i); });
  });
  svgEl('line', { x1: x0, x2: x0, y1: T, y2: H - B, 'class': 'axis' }, svg);
}
`;
