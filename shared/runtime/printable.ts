/**
 * Text that came from the cloud or a caller (aliases, event names, trace ids, error messages), made safe to
 * show on a terminal, in an e-mail or a text message: the control characters (C0 with ESC, CR, LF, BEL and NUL;
 * DEL; C1 with CSI) and the Unicode marks that reorder text or break lines (bidi embeddings, overrides,
 * isolates and marks; line and paragraph separators) are written as `\uXXXX`: visible, and inert. An ANSI
 * escape `ESC[31m` reads `\u001b[31m`; a right-to-left override cannot make `exe.txt` look like `txt.exe`.
 */

const UNSAFE = '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069';
const ANY_UNSAFE = new RegExp(`[${UNSAFE}]`);
const EVERY_UNSAFE = new RegExp(`[${UNSAFE}]`, 'g');
/** What JSON.stringify leaves raw: it escapes C0 itself (as `\n`, `\u001b`…), and its own newlines are layout. */
const EVERY_UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const escapeOne = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` with every control character and bidi or line-breaking mark written as `\uXXXX`. */
export function printable(text: string): string {
  return ANY_UNSAFE.test(text) ? text.replace(EVERY_UNSAFE, escapeOne) : text;
}

/** JSON text (from `JSON.stringify`, indented or not) with the same characters escaped; it parses to the same value. */
export function printableJson(json: string): string {
  return json.replace(EVERY_UNSAFE_IN_JSON, escapeOne);
}
