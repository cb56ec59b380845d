/**
 * The CLI's factored-covariance inputs (issue #11): `--features h.npy --head W [--bias b]`. The
 * head W is C×d (PyTorch's `Linear.weight` layout) from a `.npy` file or from a safetensors
 * checkpoint: `model.safetensors:lm_head.weight` (a file, a sharded checkpoint's index `.json`
 * or a directory, then `:` and the tensor's name), or the checkpoint alone, when its head is
 * found by {@link resolveHead} (`lm_head.weight`, or the tied word embedding). The bias is a 1-d
 * `.npy` of C values or a checkpoint tensor the same way. The features are streamed.
 * @module
 */
import * as fs from 'node:fs';
import { CovarianceAccumulator } from '../covariance/accumulator';
import { factoredCovariance, FactoredCovariance } from '../covariance/factored';
import { accumulateFromNpy, logitsShape } from '../covariance/stream';
import { CovlassoRangeError, CovlassoTypeError } from '../runtime/errors';
import { Matrix } from '../runtime/matrix';
import { readNpy, readNpyHeader } from '../npy/io';
import { readSafetensorsIndex, readSafetensorsHeader, readTensor, resolveHead } from '../safetensors';
import { logitSoftcapping } from '../safetensors/head';
import { UsageError } from './args';

/** Where a tensor comes from: a `.npy` file, or a checkpoint and (optionally) a tensor name. */
interface TensorSpec {
  npy?: string;
  checkpoint?: string;
  name?: string;
}

/** `W.npy` | `ckpt[:tensor.name]`: the last `:` splits a name off only when what precedes it exists. */
export function parseTensorSpec(spec: string, flag: string): TensorSpec {
  if (spec === '') throw new UsageError(`--${flag} needs a file`);
  if (spec.endsWith('.npy')) return { npy: spec };
  const colon = spec.lastIndexOf(':');
  if (colon > 0 && fs.existsSync(spec.slice(0, colon)) && !fs.existsSync(spec)) {
    const name = spec.slice(colon + 1);
    if (name === '') throw new UsageError(`--${flag}: no tensor name after ':' in '${spec}'`);
    return { checkpoint: spec.slice(0, colon), name };
  }
  return { checkpoint: spec };
}

/** A head as read: C×d float32/float64, and the config's soft-capping (checkpoints only). */
export interface HeadInput {
  W: Matrix;
  softcapping: number | null;
  /** What was read, for messages (the tensor's name and why). */
  source: string;
}

/** The head's C×d shape without reading its data (for --targets and --names). */
export async function headShape(spec: string): Promise<[number, number]> {
  const t = parseTensorSpec(spec, 'head');
  if (t.npy) return matrixShape(t.npy, (await readNpyHeader(t.npy)).shape, 'head');
  const name = t.name ?? (await resolveHead(t.checkpoint!)).name;
  const { weightMap } = await readSafetensorsIndex(t.checkpoint!);
  const file = weightMap.get(name);
  const info = file === undefined ? undefined : (await readSafetensorsHeader(file)).tensors.get(name);
  if (info === undefined) return matrixShape(spec, (await readTensor(t.checkpoint!, name)).shape, 'head'); // readTensor names what exists
  return matrixShape(`${t.checkpoint}:${name}`, info.shape, 'head');
}

function matrixShape(what: string, shape: readonly number[], role: string): [number, number] {
  if (shape.length !== 2 || shape[0] < 1 || shape[1] < 1) {
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `--${role}: ${what} must be a 2-d C×d matrix, got shape (${shape.join(', ')})`);
  }
  return [shape[0], shape[1]];
}

/** Reads the head W (C×d). */
export async function readHead(spec: string): Promise<HeadInput> {
  const t = parseTensorSpec(spec, 'head');
  if (t.npy) {
    const a = await readNpy(t.npy);
    const [C, d] = matrixShape(t.npy, a.shape, 'head');
    if (!(a.data instanceof Float32Array || a.data instanceof Float64Array)) {
      throw new CovlassoTypeError('ERR_COVLASSO_INVALID_DTYPE', `--head: ${t.npy} must be float32 or float64, got ${a.dtype} (a safetensors checkpoint may be float16/bfloat16)`);
    }
    return { W: new Matrix(C, d, a.data), softcapping: null, source: t.npy };
  }
  const resolved = t.name === undefined ? await resolveHead(t.checkpoint!) : undefined;
  const name = t.name ?? resolved!.name;
  // With an explicit tensor name the config's soft-capping still applies (it is the model's).
  const softcapping = resolved ? resolved.softcapping : logitSoftcapping(t.checkpoint!);
  const tensor = await readTensor(t.checkpoint!, name);
  const [C, d] = matrixShape(`${t.checkpoint}:${name}`, tensor.shape, 'head');
  return { W: new Matrix(C, d, tensor.data), softcapping, source: resolved ? `${name} (${resolved.reason})` : name };
}

/** Reads the bias b (C values). */
export async function readBias(spec: string, C: number): Promise<Float64Array> {
  const t = parseTensorSpec(spec, 'bias');
  let shape: readonly number[];
  let data: ArrayLike<number>;
  if (t.npy) {
    const a = await readNpy(t.npy);
    if (!(a.data instanceof Float32Array || a.data instanceof Float64Array)) throw new CovlassoTypeError('ERR_COVLASSO_INVALID_DTYPE', `--bias: ${t.npy} must be float32 or float64, got ${a.dtype}`);
    ({ shape, data } = a);
  } else {
    if (t.name === undefined) throw new UsageError('--bias: name the tensor (checkpoint:name, e.g. model.safetensors:lm_head.bias)');
    ({ shape, data } = await readTensor(t.checkpoint!, t.name));
  }
  if (shape.length !== 1 || shape[0] !== C) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `--bias: ${spec} must hold ${C} values (the head's rows), got shape (${shape.join(', ')})`);
  return Float64Array.from(data);
}

/** What the features are streamed with. */
export interface FeatureStreamOptions {
  rows?: [number, number];
  maxMemory?: number;
  chunkRows?: number;
  productPrecision?: 'float32' | 'float64';
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** The features file's N×d shape (a 2-d float .npy). */
export async function featuresShape(file: string): Promise<[number, number]> {
  return logitsShape(file, await readNpyHeader(file));
}

/**
 * The factored covariance of `--features h.npy --head W [--bias b]`: the head, then the feature
 * rows streamed into an accumulator (float64 products unless told), then S = Ã K Ãᵀ.
 */
export async function factoredFromFiles(
  files: { features: string; head: string; bias?: string },
  moments: { center: boolean; ddof?: number },
  stream: FeatureStreamOptions,
): Promise<FactoredCovariance> {
  const head = await readHead(files.head);
  const [, d] = await featuresShape(files.features);
  if (d !== head.W.cols) {
    throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `--features has ${d} columns, the head ${head.W.cols} (W must be C×d, PyTorch's Linear.weight layout)`);
  }
  const bias = files.bias === undefined ? undefined : await readBias(files.bias, head.W.rows);
  const acc: CovarianceAccumulator = await accumulateFromNpy(files.features, { ...stream, productPrecision: stream.productPrecision ?? 'float64' });
  return factoredCovariance({ head: head.W, bias, features: acc, center: moments.center, ddof: moments.ddof, softcapping: head.softcapping });
}
