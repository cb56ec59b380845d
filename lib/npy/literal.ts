/**
 * The Python-literal parser behind `.npy` headers: a header is the `repr` of a dict such as
 * `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`, which numpy reads back with
 * `ast.literal_eval`. Internal to lib/npy-header.ts.
 *
 * @module
 */

import { NpyFormatError } from '../runtime/errors';

/** A parsed Python literal (the subset `numpy.lib.format` headers use). */
export type PyValue =
  | { t: 'str'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  | { t: 'tuple'; v: PyValue[] }
  | { t: 'list'; v: PyValue[] }
  | { t: 'dict'; v: Map<string, PyValue> };

/**
 * Deepest nesting of tuples, lists and dicts the parser accepts. A real header nests two levels
 * (the dict and its shape tuple); the bound keeps a forged header (20 000 `(` fit in a v1 header)
 * from overflowing the stack of this recursive-descent parser.
 */
export const MAX_LITERAL_DEPTH = 32;

/** A small recursive-descent parser for Python literals (`ast.literal_eval` subset). */
export class PyLiteralParser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly src: string) {}

  parseTop(): PyValue {
    const value = this.value();
    this.ws();
    if (this.pos !== this.src.length) this.fail(`unexpected ${JSON.stringify(this.src[this.pos])}`);
    return value;
  }

  private fail(what: string): never {
    const text = this.src.trim();
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text; // a forged header may be 64 KiB
    throw new NpyFormatError(`Malformed .npy header (${what} at offset ${this.pos}): ${JSON.stringify(shown)}`);
  }

  private ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  private value(): PyValue {
    this.ws();
    const c = this.src[this.pos];
    if (c === undefined) this.fail('unexpected end');
    if (c === '{' || c === '(' || c === '[') {
      if (this.depth >= MAX_LITERAL_DEPTH) this.fail(`nesting deeper than ${MAX_LITERAL_DEPTH} levels`);
      this.depth++;
      const nested = c === '{' ? this.dict() : c === '(' ? this.seq('(', ')') : this.seq('[', ']');
      this.depth--;
      return nested;
    }
    if (c === "'" || c === '"') return { t: 'str', v: this.str() };
    if ((c === 'u' || c === 'U') && (this.src[this.pos + 1] === "'" || this.src[this.pos + 1] === '"')) {
      this.pos++;
      return { t: 'str', v: this.str() };
    }
    const rest = this.src.slice(this.pos);
    const num = /^[+-]?\d+[lL]?/.exec(rest);
    if (num) {
      this.pos += num[0].length;
      const next = this.src[this.pos];
      if (next !== undefined && /[\w.]/.test(next)) this.fail('unsupported number');
      return { t: 'int', v: BigInt(num[0].replace(/[lL]$/, '')) };
    }
    const word = /^[A-Za-z_]\w*/.exec(rest);
    if (word) {
      this.pos += word[0].length;
      if (word[0] === 'True') return { t: 'bool', v: true };
      if (word[0] === 'False') return { t: 'bool', v: false };
      if (word[0] === 'None') return { t: 'none' };
      this.fail(`unsupported name ${word[0]}`);
    }
    this.fail(`unexpected ${JSON.stringify(c)}`);
  }

  private str(): string {
    const quote = this.src[this.pos++];
    let out = '';
    for (;;) {
      const c = this.src[this.pos++];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      if (c === quote) return out;
      if (c === '\\') {
        const e = this.src[this.pos++];
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };
        if (e !== undefined && e in simple) out += simple[e];
        else this.fail('unsupported escape in string');
      } else {
        out += c;
      }
    }
  }

  /** Tuple or list. A parenthesised single value without a comma is that value (as in Python). */
  private seq(open: string, close: string): PyValue {
    this.pos++; // open
    const items: PyValue[] = [];
    let sawComma = false;
    for (;;) {
      this.ws();
      if (this.src[this.pos] === close) {
        this.pos++;
        break;
      }
      items.push(this.value());
      this.ws();
      if (this.src[this.pos] === ',') {
        this.pos++;
        sawComma = true;
      } else if (this.src[this.pos] === close) {
        this.pos++;
        break;
      } else {
        this.fail(`expected "," or "${close}"`);
      }
    }
    if (open === '[') return { t: 'list', v: items };
    if (items.length === 1 && !sawComma) return items[0];
    return { t: 'tuple', v: items };
  }

  private dict(): PyValue {
    this.pos++; // {
    const map = new Map<string, PyValue>();
    for (;;) {
      this.ws();
      if (this.src[this.pos] === '}') {
        this.pos++;
        break;
      }
      const key = this.value();
      if (key.t !== 'str') this.fail('dictionary keys must be strings');
      this.ws();
      if (this.src[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      if (map.has(key.v)) this.fail(`duplicate key ${JSON.stringify(key.v)}`);
      map.set(key.v, this.value());
      this.ws();
      if (this.src[this.pos] === ',') {
        this.pos++;
      } else if (this.src[this.pos] === '}') {
        this.pos++;
        break;
      } else {
        this.fail('expected "," or "}"');
      }
    }
    return { t: 'dict', v: map };
  }
}
