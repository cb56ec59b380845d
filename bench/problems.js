// Benchmark problems shared by the benny suites and the peer comparison: synthetic logits of a
// width-d linear head (a singular covariance, like real classifiers), and the real cjk1000
// logits when ../shared/data/cjk1000 is present.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const covlasso = require('../dist/cjs');
// headLogits: N×C float32 logits = relu(features N×d) · W (d×C), rank ≤ d; the same problems
// as `covlasso bench` (lib/cli/bench.ts), which ships them.
const { headLogits } = require('../dist/cjs/cli/bench');

const cjkDir = path.resolve(__dirname, '../../shared/data/cjk1000');

/** Rows 0..7999 of the real cjk1000 logits, or null when the data is absent. */
function cjkLogits() {
  const file = path.join(cjkDir, 'logits.npy');
  if (!fs.existsSync(file)) return null;
  const a = covlasso.readNpySync(file);
  return new covlasso.Matrix(8000, a.shape[1], a.data.subarray(0, 8000 * a.shape[1]));
}

module.exports = { headLogits, cjkLogits, cjkDir };
