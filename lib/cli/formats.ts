/**
 * The JSON files the CLI writes: each carries `format` (what it is) and `version` (of that
 * format) first, and its JSON Schema ships in the package (schema/<name>.schema.json). Reading
 * one back (`covlasso report`) checks it against the schema and says what is wrong in one line.
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JsonFormatError } from '../runtime/errors';
import { packageRoot } from '../runtime/native';
import { checkSchemaSubset, JsonSchema, validateJson } from './schema';
import { CLI_FORMATS, CliFormat, FORMAT_VERSION } from '../runtime/json-formats';

export { CLI_FORMATS, FORMAT_VERSION, stamp } from '../runtime/json-formats';
export type { CliFormat } from '../runtime/json-formats';

/** The file of a format's JSON Schema in the installed package (schema/deps.schema.json, …). */
export function schemaFile(format: CliFormat): string {
  return path.join(packageRoot, 'schema', `${format.replace(/^covlasso-/, '')}.schema.json`);
}

const loaded = new Map<CliFormat, JsonSchema>();

/** A format's JSON Schema, read once and checked to use only what the validator enforces. */
export function loadSchema(format: CliFormat): JsonSchema {
  let schema = loaded.get(format);
  if (schema === undefined) {
    schema = JSON.parse(fs.readFileSync(schemaFile(format), 'utf8')) as JsonSchema;
    checkSchemaSubset(schema);
    loaded.set(format, schema);
  }
  return schema;
}

/**
 * Checks a parsed CLI JSON document against the schema of its `format`, which must be one of
 * `accepted`. A document without `format` and `version` (written before they were added) is
 * read as `legacy` (a format that reads the same but for those two fields).
 * @returns the document's format
 * @throws JsonFormatError (one line: the file, the place and what is wrong)
 */
export function checkCliJson(file: string, value: unknown, accepted: readonly CliFormat[], legacy?: (value: Record<string, unknown>) => CliFormat): CliFormat {
  const fail = (what: string): never => {
    throw new JsonFormatError(`${file}: ${what}`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail(`expected a JSON object (${accepted.join(' or ')}), got ${Array.isArray(value) ? 'an array' : typeof value}`);
  const doc = value as Record<string, unknown>;
  let format: CliFormat;
  let schema: JsonSchema;
  if (doc.format === undefined && doc.version === undefined && legacy) {
    format = legacy(doc);
    const full = loadSchema(format);
    schema = { ...full, required: ((full.required as string[]) ?? []).filter((k) => k !== 'format' && k !== 'version') };
  } else {
    if (typeof doc.format !== 'string' || !(accepted as readonly string[]).includes(doc.format)) {
      return fail(`format ${JSON.stringify(doc.format)} is not one this command reads (${accepted.join(', ')})`);
    }
    format = doc.format as CliFormat;
    if (typeof doc.version !== 'number' || !Number.isInteger(doc.version) || doc.version < 1) return fail(`version ${JSON.stringify(doc.version)} is not a format version`);
    if (doc.version > FORMAT_VERSION) return fail(`${format} version ${doc.version} is newer than this covlasso reads (${FORMAT_VERSION}): upgrade covlasso`);
    schema = loadSchema(format);
  }
  const problem = validateJson(doc, schema);
  if (problem) fail(`not a valid ${format} file: ${problem} (schema: ${path.relative(packageRoot, schemaFile(format))})`);
  return format;
}

/** Reads a CLI JSON file and checks it (see {@link checkCliJson}). */
export function readCliJson(file: string, accepted: readonly CliFormat[], legacy?: (value: Record<string, unknown>) => CliFormat): { value: Record<string, unknown>; format: CliFormat } {
  const text = fs.readFileSync(file, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new JsonFormatError(`${file} is not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const format = checkCliJson(file, value, accepted, legacy);
  return { value: value as Record<string, unknown>, format };
}
