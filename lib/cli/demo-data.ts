/**
 * The built-in default problem of `covlasso demo`: synthetic logits of a classifier with a
 * width-32 linear head over 120 categories, where 30 "look-alike" categories were built as
 * mixtures of two or three others (with a little noise). The demo should find them.
 * @module
 */
import { Matrix } from '../runtime/matrix';
import { gaussian as normals } from '../random';

/** A planted look-alike: `target`'s head weights ≈ Σ weights[k] · head of sources[k]. */
export interface PlantedDependency {
  target: number;
  sources: number[];
  weights: number[];
}

/** The demo's logits, class names and planted dependencies. */
export interface DemoData {
  logits: Matrix;
  /** A label per row: the argmax of the logits plus Gaussian noise (σ = 1), as an imperfect classifier's truth. */
  labels: Int32Array;
  names: string[];
  planted: PlantedDependency[];
}

/** Generates the demo problem (deterministic). */
export function demoData(options: { samples?: number; seed?: number } = {}): DemoData {
  const samples = options.samples ?? 4000;
  const gaussian = normals(options.seed ?? 7);
  const width = 32;
  const base = 90;
  const categories = 120;
  const head = new Float64Array(categories * width);
  for (let i = 0; i < base * width; i++) head[i] = gaussian();
  const planted: PlantedDependency[] = [];
  for (let t = base; t < categories; t++) {
    const count = 2 + (t % 2);
    const sources: number[] = [];
    while (sources.length < count) {
      const s = Math.floor(Math.abs(gaussian() * 1e4)) % base;
      if (!sources.includes(s)) sources.push(s);
    }
    const raw = sources.map(() => 0.3 + Math.abs(gaussian()) / 2);
    const total = raw.reduce((a, b) => a + b, 0);
    const weights = raw.map((w) => Math.round((w / total) * 100) / 100);
    for (let j = 0; j < width; j++) {
      let v = 0.05 * gaussian();
      for (let k = 0; k < count; k++) v += weights[k] * head[sources[k] * width + j];
      head[t * width + j] = v;
    }
    planted.push({ target: t, sources, weights });
  }
  const logits = new Float32Array(samples * categories);
  const feature = new Float64Array(width);
  for (let r = 0; r < samples; r++) {
    for (let j = 0; j < width; j++) feature[j] = Math.max(0, gaussian() + 0.5);
    for (let c = 0; c < categories; c++) {
      let v = 0;
      for (let j = 0; j < width; j++) v += head[c * width + j] * feature[j];
      logits[r * categories + c] = v;
    }
  }
  const labels = new Int32Array(samples);
  for (let r = 0; r < samples; r++) {
    let best = -Infinity;
    for (let c = 0; c < categories; c++) {
      const v = logits[r * categories + c] + gaussian();
      if (v > best) (best = v), (labels[r] = c);
    }
  }
  const names = Array.from({ length: categories }, (_, c) => (c < base ? `class-${c}` : `lookalike-${c}`));
  return { logits: new Matrix(samples, categories, logits), labels, names, planted };
}
