/**
 * A small JSON parser that keeps what `JSON.parse` throws away:
 *  - every value's position (line:col, 1-based) so later checks can name where a problem is;
 *  - every number's exact source text, so uint64 values survive (see {@link jsonNumberToBigInt});
 *  - object members in order, duplicates included.
 *
 * Syntax errors are thrown as {@link SeccompError} with the message
 * `FILE:LINE:COL: invalid JSON: <what>`.
 *
 * Extension over RFC 8259 (for hand-written profiles): integers may be written in hex
 * (`0xff`, `0X1_0000_0028`) and may contain `_` between digits (`1_000`). A leading
 * UTF-8 byte-order mark is skipped. Everything else is strict JSON: no comments,
 * no trailing commas, no single quotes.
 */
import { SeccompError } from '../errors.js';

/** Where a value starts in the source text. */
export interface JsonPosition {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, counted in UTF-16 code units (a tab counts as one). */
  readonly col: number;
}

/** A JSON object; `entries` keeps source order and duplicate keys. */
export interface JsonObject extends JsonPosition {
  readonly kind: 'object';
  readonly entries: readonly JsonMember[];
}

/** One `"key": value` member of an object. */
export interface JsonMember {
  readonly key: string;
  /** Position of the key's opening quote. */
  readonly keyPos: JsonPosition;
  readonly value: JsonValue;
}

/** A JSON array. */
export interface JsonArray extends JsonPosition {
  readonly kind: 'array';
  readonly items: readonly JsonValue[];
}

/** A JSON string (escapes decoded). */
export interface JsonString extends JsonPosition {
  readonly kind: 'string';
  readonly value: string;
}

/** A JSON number, kept as its exact source text. */
export interface JsonNumber extends JsonPosition {
  readonly kind: 'number';
  /** The number exactly as written, e.g. `18446744073709551615`, `-1`, `1.5e3`, `0x1_0000_0028`. */
  readonly text: string;
}

/** `true` / `false`. */
export interface JsonBoolean extends JsonPosition {
  readonly kind: 'boolean';
  readonly value: boolean;
}

/** `null`. */
export interface JsonNull extends JsonPosition {
  readonly kind: 'null';
}

/** Any parsed JSON value. */
export type JsonValue = JsonObject | JsonArray | JsonString | JsonNumber | JsonBoolean | JsonNull;

/** Kind names as used in messages: `an object`, `a string`, … */
export function describeKind(v: JsonValue): string {
  switch (v.kind) {
    case 'object': return 'an object';
    case 'array': return 'an array';
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return 'a boolean';
    case 'null': return 'null';
  }
}

/**
 * The integer value of a number's text, or `undefined` when the text is not an integer
 * (has a fraction or an exponent). Handles a leading `-`, hex (`0x`) and `_` separators.
 */
export function jsonNumberToBigInt(text: string): bigint | undefined {
  let t = text;
  let negative = false;
  if (t.startsWith('-')) {
    negative = true;
    t = t.slice(1);
  }
  t = t.replace(/_/g, '');
  let v: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = BigInt(t);
  else if (/^[0-9]+$/.test(t)) v = BigInt(t);
  else return undefined;
  return negative ? -v : v;
}

/** Parse `text` as JSON; `source` (a file name) prefixes error messages. */
export function parseJson(text: string, source: string): JsonValue {
  return new Parser(text, source).parseDocument();
}

/** Deepest nesting of objects/arrays accepted (profiles need 4). */
const MAX_DEPTH = 256;

class Parser {
  private pos = 0;
  private depth = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string, private readonly source: string) {
    if (text.charCodeAt(0) === 0xfeff) {
      this.pos = 1;
      this.lineStart = 1;
    }
  }

  parseDocument(): JsonValue {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('empty document, expected a JSON value');
    const v = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      this.fail(`unexpected ${this.describeHere()} after the JSON value`);
    }
    return v;
  }

  private here(): JsonPosition {
    return { line: this.line, col: this.pos - this.lineStart + 1 };
  }

  private fail(what: string, at: JsonPosition = this.here()): never {
    throw new SeccompError(`${this.source}:${at.line}:${at.col}: invalid JSON: ${what}`);
  }

  private describeHere(): string {
    if (this.pos >= this.text.length) return 'end of input';
    const cp = this.text.codePointAt(this.pos) ?? 0;
    const ch = String.fromCodePoint(cp);
    if (cp < 0x20 || cp === 0x7f) return `character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    return `character ${JSON.stringify(ch)}`;
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0d) {
        this.pos++;
      } else if (c === 0x0a) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else {
        break;
      }
    }
  }

  private parseValue(): JsonValue {
    const start = this.here();
    const c = this.text[this.pos];
    if ((c === '{' || c === '[') && this.depth >= MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    switch (c) {
      case '{': {
        this.depth++;
        const v = this.parseObject(start);
        this.depth--;
        return v;
      }
      case '[': {
        this.depth++;
        const v = this.parseArray(start);
        this.depth--;
        return v;
      }
      case '"': return { kind: 'string', value: this.parseString(), ...start };
      case 't': this.expectWord('true'); return { kind: 'boolean', value: true, ...start };
      case 'f': this.expectWord('false'); return { kind: 'boolean', value: false, ...start };
      case 'n': this.expectWord('null'); return { kind: 'null', ...start };
      default:
        if (c !== undefined && (c === '-' || (c >= '0' && c <= '9'))) {
          return { kind: 'number', text: this.parseNumber(), ...start };
        }
        if (c !== undefined && /[A-Za-z_]/.test(c)) this.expectWord('');
        return this.fail(`unexpected ${this.describeHere()}, expected a value`);
    }
  }

  private expectWord(word: string): void {
    const start = this.here();
    if (word !== '' && this.text.startsWith(word, this.pos)) {
      const after = this.text[this.pos + word.length];
      if (after === undefined || !/[A-Za-z0-9_]/.test(after)) {
        this.pos += word.length;
        return;
      }
    }
    const m = /^[A-Za-z0-9_]+/.exec(this.text.slice(this.pos, this.pos + 40));
    this.fail(`unknown literal ${JSON.stringify(m ? m[0] : this.text[this.pos])}, expected a value`, start);
  }

  private parseObject(start: JsonPosition): JsonObject {
    this.pos++; // {
    const entries: JsonMember[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', entries, ...start };
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') {
        if (this.text[this.pos] === '}' && entries.length > 0) this.fail('trailing comma before "}"');
        this.fail(`unexpected ${this.describeHere()}, expected a string key`);
      }
      const keyPos = this.here();
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail(`unexpected ${this.describeHere()}, expected ":" after key ${JSON.stringify(key)}`);
      this.pos++;
      this.skipWhitespace();
      if (this.pos >= this.text.length) this.fail('unexpected end of input, expected a value');
      const value = this.parseValue();
      entries.push({ key, keyPos, value });
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return { kind: 'object', entries, ...start };
      }
      this.fail(`unexpected ${this.describeHere()}, expected "," or "}" in object started at ${start.line}:${start.col}`);
    }
  }

  private parseArray(start: JsonPosition): JsonArray {
    this.pos++; // [
    const items: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items, ...start };
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] === ']' && items.length > 0) this.fail('trailing comma before "]"');
      if (this.pos >= this.text.length) this.fail('unexpected end of input, expected a value');
      items.push(this.parseValue());
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return { kind: 'array', items, ...start };
      }
      this.fail(`unexpected ${this.describeHere()}, expected "," or "]" in array started at ${start.line}:${start.col}`);
    }
  }

  /** Parses a string starting at the opening quote; returns its decoded value. */
  private parseString(): string {
    const start = this.here();
    const t = this.text;
    this.pos++; // opening quote
    let out = '';
    let chunkStart = this.pos;
    for (;;) {
      if (this.pos >= t.length) this.fail('unterminated string', start);
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        out += t.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (c === 0x5c) {
        out += t.slice(chunkStart, this.pos);
        out += this.parseEscape();
        chunkStart = this.pos;
        continue;
      }
      if (c < 0x20) {
        if (c === 0x0a) this.fail('unterminated string (newline inside a string)', start);
        this.fail(`control ${this.describeHere()} inside a string must be escaped`);
      }
      this.pos++;
    }
  }

  private parseEscape(): string {
    const escPos = this.here();
    const e = this.text[this.pos + 1];
    this.pos += 2;
    switch (e) {
      case '"': return '"';
      case '\\': return '\\';
      case '/': return '/';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'u': {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape, expected 4 hex digits', escPos);
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      case undefined:
        return this.fail('unterminated string', escPos);
      default:
        return this.fail(`invalid escape "\\${e}" in string`, escPos);
    }
  }

  private parseNumber(): string {
    const start = this.pos;
    const startPos = this.here();
    const t = this.text;
    // Greedily take the characters a number could be made of, then validate the whole token.
    let end = this.pos;
    if (t[end] === '-') end++;
    while (end < t.length && /[0-9A-Za-z_.+\-]/.test(t[end] ?? '')) {
      // a sign is only part of a number right after an exponent marker
      const ch = t[end];
      if ((ch === '+' || ch === '-') && !/[eE]/.test(t[end - 1] ?? '')) break;
      end++;
    }
    const token = t.slice(start, end);
    const decimal = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
    const withSeparators = /^-?(0|[1-9][0-9]*(_[0-9]+)*)$/;
    const hex = /^-?0[xX][0-9a-fA-F]+(_[0-9a-fA-F]+)*$/;
    if (!decimal.test(token) && !withSeparators.test(token) && !hex.test(token)) {
      this.fail(`invalid number ${JSON.stringify(token)}`, startPos);
    }
    this.pos = end;
    return token;
  }
}
