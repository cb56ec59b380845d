/**
 * A small JSON Schema validator for the subset of JSON Schema (2020-12) that the schemas in the
 * package's schema/ folder use: `type` (one or a list; `integer` included), `properties`,
 * `required`, `additionalProperties` (boolean or a schema), `items`, `minItems`, `enum`,
 * `const`, `minimum`, `maximum`, `anyOf`, and `$ref` to `#/$defs/...`. Annotations (`$schema`,
 * `$id`, `title`, `description`, `$comment`, `$defs`) are skipped. Any other keyword is refused
 * when the schema is checked, so that a schema never seems to say more than is enforced.
 * @module
 */

/** A JSON Schema (the subset above). */
export type JsonSchema = { [keyword: string]: unknown };

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$comment', '$defs']);
const KEYWORDS = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'enum', 'const', 'minimum', 'maximum', 'anyOf', '$ref']);

/**
 * Throws when `schema` (or a schema inside it) uses a keyword this validator does not enforce,
 * or a `$ref` that does not resolve.
 */
export function checkSchemaSubset(schema: JsonSchema, root: JsonSchema = schema, at = '#'): void {
  for (const [key, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(key)) {
      if (key === '$defs') for (const [name, def] of Object.entries(value as Record<string, JsonSchema>)) checkSchemaSubset(def, root, `${at}/$defs/${name}`);
      continue;
    }
    if (!KEYWORDS.has(key)) throw new Error(`${at}: keyword '${key}' is not in the validated subset`);
    if (key === 'properties') for (const [name, sub] of Object.entries(value as Record<string, JsonSchema>)) checkSchemaSubset(sub, root, `${at}/properties/${name}`);
    if ((key === 'items' || key === 'additionalProperties') && typeof value === 'object') checkSchemaSubset(value as JsonSchema, root, `${at}/${key}`);
    if (key === 'anyOf') (value as JsonSchema[]).forEach((sub, i) => checkSchemaSubset(sub, root, `${at}/anyOf/${i}`));
    if (key === '$ref') resolveRef(root, value as string);
  }
}

function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
  const def = m ? (root.$defs as Record<string, JsonSchema> | undefined)?.[m[1]] : undefined;
  if (!def) throw new Error(`$ref '${ref}' does not resolve (only #/$defs/<name> is supported)`);
  return def;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/** A JSON pointer segment (RFC 6901). */
function segment(key: string | number): string {
  return `/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * The first place where `value` breaks `schema`, as one line (`/targets/3/coef: expected array,
 * got "x"`), or undefined when it conforms.
 */
export function validateJson(value: unknown, schema: JsonSchema, root: JsonSchema = schema, at = ''): string | undefined {
  const where = at === '' ? '(top level)' : at;
  if (typeof schema.$ref === 'string') {
    const problem = validateJson(value, resolveRef(root, schema.$ref), root, at);
    if (problem) return problem;
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => matchesType(value, t))) return `${where}: expected ${types.join(' or ')}, got ${typeOf(value) === 'object' || typeOf(value) === 'array' ? typeOf(value) : show(value)}`;
  }
  if ('const' in schema && JSON.stringify(value) !== JSON.stringify(schema.const)) return `${where}: expected ${show(schema.const)}, got ${show(value)}`;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    return `${where}: expected one of ${schema.enum.map(show).join(', ')}, got ${show(value)}`;
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return `${where}: ${value} is below the minimum ${schema.minimum}`;
    if (typeof schema.maximum === 'number' && value > schema.maximum) return `${where}: ${value} is above the maximum ${schema.maximum}`;
  }
  if (Array.isArray(schema.anyOf)) {
    const problems = (schema.anyOf as JsonSchema[]).map((sub) => validateJson(value, sub, root, at));
    if (problems.every((p) => p !== undefined)) return problems[0];
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) return `${where}: expected at least ${schema.minItems} items, got ${value.length}`;
    if (schema.items !== undefined) {
      for (let i = 0; i < value.length; i++) {
        const problem = validateJson(value[i], schema.items as JsonSchema, root, at + segment(i));
        if (problem) return problem;
      }
    }
  } else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in object)) return `${where}: missing required property "${key}"`;
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const [key, sub] of Object.entries(object)) {
      const propertySchema: unknown = properties[key] ?? schema.additionalProperties;
      if (propertySchema === false) return `${where}: unexpected property "${key}"`;
      if (propertySchema === undefined || propertySchema === true) continue;
      const problem = validateJson(sub, propertySchema as JsonSchema, root, at + segment(key));
      if (problem) return problem;
    }
  }
  return undefined;
}
