import { HwcError } from '../../shared/hwc/errors.ts';

export { failureReason } from '../../shared/runtime/report.ts';

/** The cloud says the key does not exist (KMS.0207): deleted since we heard of it. */
export function isKeyGone(error: unknown): boolean {
  return error instanceof HwcError && error.is('KMS.0207');
}

export const KEY_GONE_REASON = 'key no longer exists (KMS.0207)';
