import { HwcError } from '../../shared/hwc/errors.ts';
import { KEY_STATES } from '../../shared/hwc/kms.ts';
import { failureReason } from './failure.ts';

/**
 * Values outside the enums the API documents are not understood: the guardrails report them `failed`, naming
 * the value, and never act on them (or leave them) as if they meant something.
 */

/** Why `value` is not understood (`undocumented key_state "99"`); undefined when the API documents it (or it is absent). */
export function undocumented(field: string, value: string | undefined, documented: readonly string[]): string | undefined {
  if (value === undefined || documented.includes(value)) return undefined;
  return `undocumented ${field} ${JSON.stringify(value)} (documented: ${documented.join(', ')})`;
}

/** Why the key's state is not understood; undefined when it is one the API documents. */
export function undocumentedKeyState(key: { readonly key_state: string }): string | undefined {
  return undocumented('key_state', key.key_state, KEY_STATES);
}

/** A failed call for a report that must name it: `csms.listSecrets: WARDEN.INCOMPLETE_LISTING: …`. */
export function failedCall(error: unknown): string {
  return error instanceof HwcError ? `${error.operation}: ${failureReason(error)}` : failureReason(error);
}
