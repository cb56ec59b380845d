// Benchmark problems shared by the benny suites and the peer comparison: synthetic logits of a
// width-d linear head (a singular covariance, like real classifiers), and the real cjk1000
// logits when ../shared/data/cjk1000 is present.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const covlasso = require('../dist/cjs');
const { gaussian: normals } = require('../dist/cjs/random');

/** N×C float32 logits = relu(features N×d) · W (d×C): rank ≤ d. */
function headLogits(rows, cols, width, seed = 1) {
  const gaussian = normals(seed);
  const w = new Float64Array(width * cols).map(() => gaussian() / Math.sqrt(width));
  const out = new Float32Array(rows * cols);
  const f = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) f[j] = Math.max(0, gaussian());
    const row = out.subarray(r * cols, (r + 1) * cols);
    for (let j = 0; j < width; j++) {
      const fj = f[j];
      if (fj === 0) continue;
      const wj = w.subarray(j * cols, (j + 1) * cols);
      for (let c = 0; c < cols; c++) row[c] += fj * wj[c];
    }
  }
  return new covlasso.Matrix(rows, cols, out);
}

const cjkDir = path.resolve(__dirname, '../../shared/data/cjk1000');

/** Rows 0..7999 of the real cjk1000 logits, or null when the data is absent. */
function cjkLogits() {
  const file = path.join(cjkDir, 'logits.npy');
  if (!fs.existsSync(file)) return null;
  const a = covlasso.readNpySync(file);
  return new covlasso.Matrix(8000, a.shape[1], a.data.subarray(0, 8000 * a.shape[1]));
}

module.exports = { headLogits, cjkLogits, cjkDir };
