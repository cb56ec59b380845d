/**
 * Finding a model's classification head in a checkpoint: `lm_head.weight`, or, with tied word
 * embeddings, the embedding matrix it shares (`model.embed_tokens.weight`), saying which and why.
 * Also reports a final-logit soft-capping in the config: tanh-capped logits are not a linear head,
 * so the factored covariance does not hold for them.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsFormatError } from '../runtime/errors';
import { missingTensor } from './header';
import { readSafetensorsIndex } from './read';

/** Options of {@link resolveHead}. */
export interface ResolveHeadOptions {
  /** The head's name (default `'lm_head.weight'`). */
  head?: string;
  /** The tied embedding's name (default `'model.embed_tokens.weight'`). */
  embedding?: string;
  /** The model's config (default: `config.json` next to the checkpoint, when present). */
  config?: Record<string, unknown>;
}

/** Which tensor holds the head, and why. */
export interface ResolvedHead {
  /** The tensor to read (the head itself or the tied embedding). */
  name: string;
  /** The head is the tied embedding. */
  tied: boolean;
  /** Why this tensor, in one line. */
  reason: string;
  /** `final_logit_softcapping` (or `logit_softcapping`) from the config, else null: such logits are `cap·tanh(z/cap)`, not a linear head. */
  softcapping: number | null;
}

function configNear(checkpoint: string): Record<string, unknown> | undefined {
  const dir = fs.statSync(checkpoint).isDirectory() ? checkpoint : path.dirname(checkpoint);
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) return undefined;
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new SafetensorsFormatError(`${file} is not a JSON object`);
}

/**
 * The model's final-logit soft-capping from its config (`final_logit_softcapping` or
 * `logit_softcapping`; the `config.json` next to the checkpoint when none is given), else null.
 * @internal
 */
export function logitSoftcapping(checkpoint: string, config: Record<string, unknown> | undefined = configNear(checkpoint)): number | null {
  const capValue = config?.final_logit_softcapping ?? config?.logit_softcapping;
  return typeof capValue === 'number' && capValue > 0 ? capValue : null;
}

/**
 * Resolves the head's tensor: the embedding when the config says `tie_word_embeddings: true` or
 * the head is absent and the embedding present; the head otherwise.
 * @throws SafetensorsFormatError when neither tensor exists (the message lists some that do)
 * @example
 * const h = await resolveHead('ckpt/'); // { name: 'model.embed_tokens.weight', tied: true, reason: ... }
 * const w = await readTensor('ckpt/', h.name);
 */
export async function resolveHead(checkpoint: string, options: ResolveHeadOptions = {}): Promise<ResolvedHead> {
  const head = options.head ?? 'lm_head.weight';
  const embedding = options.embedding ?? 'model.embed_tokens.weight';
  const config = options.config ?? configNear(checkpoint);
  const { weightMap } = await readSafetensorsIndex(checkpoint);
  const softcapping = logitSoftcapping(checkpoint, config);
  const tiedByConfig = config?.tie_word_embeddings === true;
  if (tiedByConfig && weightMap.has(embedding)) {
    return { name: embedding, tied: true, reason: `config.json says tie_word_embeddings: '${head}' is '${embedding}'`, softcapping };
  }
  if (weightMap.has(head)) return { name: head, tied: false, reason: `'${head}' is in the checkpoint`, softcapping };
  if (weightMap.has(embedding)) {
    return { name: embedding, tied: true, reason: `'${head}' is absent: tied word embeddings, '${embedding}' is the head`, softcapping };
  }
  throw missingTensor(head, weightMap.keys(), `${checkpoint} (nor '${embedding}')`);
}
