/**
 * Reads a JSON answer as its bytes arrive, handing on each element of one top-level array (`field`, e.g.
 * ListBackups' `backups`) as soon as its last byte is in, `JSON.parse`d on its own. A 1,000-backup page
 * (≈ 2.6 MB) then never exists as one string or one parsed tree: each element is a few KB of short-lived
 * garbage, and parsing overlaps the network (BENCHMARKS.md, bench 6).
 *
 * The rest of the answer, its envelope (`count`, markers), is kept as bytes and parsed at the end with the
 * array left empty (`"backups":[]`), so the caller reads and checks it as it would the whole answer.
 *
 * Strict: the body is valid JSON exactly when the envelope and every element are, and each is parsed by
 * `JSON.parse`. The scanner only finds where elements begin and end (tracking strings, escapes and depth);
 * what it cannot place (a body cut short, an empty element as in `[1,,2]`, a trailing comma, the field twice)
 * is a `MalformedJsonError`, never a shorter array.
 */

export class MalformedJsonError extends Error {
  override readonly name = 'MalformedJsonError';
}

/** What the whole body said, once read to its end. */
export interface SplitBody {
  /** The parsed answer, the streamed array left empty; undefined for an empty or blank body. */
  readonly envelope: unknown;
  /** Whether `field` was a top-level array whose elements went to `onElement` (if not, `envelope` shows what it was). */
  readonly streamed: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** The depth of the streamed array's elements: inside the top-level object (1), inside the array (2). */
const IN_ARRAY = 2;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

export class ArrayFieldSplitter {
  // The scanner: nesting depth, inside a string, after a backslash in one.
  private depth = 0;
  private inString = false;
  private escaped = false;
  // The top-level object: a key is next, the key being read (its bytes so far), the last key, its value is next.
  private expectKey = false;
  private key: Buffer[] | undefined;
  private lastKey: string | undefined;
  private valueNext = false;
  // The streamed array: being read, read, an element being read (its bytes from earlier chunks), a comma
  // since the last element, elements handed on.
  private inArray = false;
  private streamed = false;
  private inElement = false;
  private element: Buffer[] = [];
  private commaPending = false;
  private count = 0;
  /** The answer without the array's elements. */
  private readonly envelope: Buffer[] = [];

  constructor(
    private readonly field: string,
    private readonly onElement: (value: unknown, index: number) => void,
  ) {}

  /** Scans one chunk; throws what `onElement` throws, or a `MalformedJsonError`. */
  push(chunk: Buffer): void {
    const n = chunk.length;
    // Where the bytes kept from this chunk start: the envelope's outside the array, the element's inside it.
    let from = 0;
    let keyFrom = 0;
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    /** The next backslash at or after `i` in this chunk (-1: none); looked for once, then only when passed. */
    let backslash = chunk.indexOf(BACKSLASH);
    for (let i = 0; i < n; i++) {
      if (inString) {
        // Most bytes are inside strings: jump to the closing quote (indexOf runs natively), past any escapes.
        if (escaped) {
          escaped = false;
          continue;
        }
        if (backslash !== -1 && backslash < i) backslash = chunk.indexOf(BACKSLASH, i);
        // Most strings are short (keys, ids): a few bytes looked at here cost less than a call to indexOf.
        let quote = -1;
        const near = Math.min(n, i + 24);
        for (let j = i; j < near; j++) {
          if (chunk[j] === QUOTE) {
            quote = j;
            break;
          }
        }
        if (quote === -1 && near < n) quote = chunk.indexOf(QUOTE, near);
        if (backslash !== -1 && (quote === -1 || backslash < quote)) {
          i = backslash; // the loop's i++ steps onto the escaped byte, skipped above
          escaped = true;
          continue;
        }
        if (quote === -1) break;
        i = quote;
        inString = false;
        if (this.key !== undefined) this.endKey(chunk.subarray(keyFrom, i));
        continue;
      }
      const byte = chunk[i]!;
      if (depth > IN_ARRAY && this.inArray) {
        // Inside an element: only strings and brackets matter until it closes.
        if (byte === QUOTE) inString = true;
        else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) depth++;
        else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth--;
        continue;
      }
      if (this.inArray && depth === IN_ARRAY) {
        // Between the array's elements, or at the first byte of one.
        if (byte === COMMA || byte === CLOSE_ARRAY) {
          if (this.inElement) {
            this.emit(chunk, from, i);
            this.inElement = false;
          } else if (byte === COMMA || this.commaPending) {
            throw new MalformedJsonError(`an empty element in "${this.field}" after element ${this.count}`);
          }
          if (byte === COMMA) {
            this.commaPending = true;
            continue;
          }
          // The array ends; the envelope goes on from its `]`.
          this.inArray = false;
          depth--;
          from = i;
          continue;
        }
        if (isSpace(byte)) continue;
        if (!this.inElement) {
          this.inElement = true;
          this.commaPending = false;
          from = i;
        }
      }
      switch (byte) {
        case QUOTE:
          inString = true;
          if (depth === 1 && this.expectKey) {
            this.key = [];
            keyFrom = i + 1;
          }
          this.valueNext = false;
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          if (depth === 1 && this.valueNext && byte === OPEN_ARRAY && this.lastKey === this.field) {
            if (this.streamed) throw new MalformedJsonError(`"${this.field}" appears twice`);
            this.streamed = true;
            this.inArray = true;
            this.envelope.push(chunk.subarray(from, i + 1));
          }
          this.valueNext = false;
          depth++;
          if (depth === 1) this.expectKey = byte === OPEN_OBJECT;
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          depth--;
          if (depth < 0) throw new MalformedJsonError('a bracket closes what was never opened');
          if (this.inArray && depth < IN_ARRAY) throw new MalformedJsonError(`an element of "${this.field}" closes more than it opened`);
          break;
        case COLON:
          this.valueNext = depth === 1;
          break;
        case COMMA:
          if (depth === 1) this.expectKey = true;
          this.valueNext = false;
          break;
        default:
          if (!isSpace(byte)) this.valueNext = false;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    // Keep what an unfinished key, element or envelope holds of this chunk.
    if (inString && this.key !== undefined) this.key.push(chunk.subarray(keyFrom));
    if (!this.inArray) this.envelope.push(chunk.subarray(from));
    else if (this.inElement) this.element.push(chunk.subarray(from));
  }

  /** The body has ended: the envelope, parsed. A `MalformedJsonError` if the body stopped short or is not JSON. */
  end(): SplitBody {
    if (this.inString || this.depth !== 0 || this.inArray) throw new MalformedJsonError('the body ends before its JSON does');
    let text = Buffer.concat(this.envelope).toString('utf8');
    // As undici's text() (WHATWG "UTF-8 decode"): a leading byte order mark is not part of the text.
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.trim() === '') return { envelope: undefined, streamed: false };
    try {
      return { envelope: JSON.parse(text), streamed: this.streamed };
    } catch {
      throw new MalformedJsonError('the body is not valid JSON');
    }
  }

  private endKey(last: Buffer): void {
    const raw = this.key!.length === 0 ? last.toString('utf8') : Buffer.concat([...this.key!, last]).toString('utf8');
    this.key = undefined;
    this.expectKey = false;
    try {
      this.lastKey = JSON.parse(`"${raw}"`) as string;
    } catch {
      throw new MalformedJsonError('a key that is not a valid JSON string');
    }
  }

  /** Parses and hands on the element that ends before `end` in `chunk` (from `from`, or from an earlier chunk). */
  private emit(chunk: Buffer, from: number, end: number): void {
    let text: string;
    if (this.element.length === 0) {
      text = chunk.toString('utf8', from, end);
    } else {
      this.element.push(chunk.subarray(0, end));
      text = Buffer.concat(this.element).toString('utf8');
      this.element = [];
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new MalformedJsonError(`element ${this.count} of "${this.field}" is not valid JSON`);
    }
    this.onElement(value, this.count++);
  }
}
