import { HwcError } from '../../shared/hwc/errors.ts';

/** How a failed call reads in a report: the cloud's error code first. */
export function failureReason(error: unknown): string {
  if (error instanceof HwcError) {
    const code = error.errorCode ?? (error.status ? `HTTP ${error.status}` : 'no response');
    return `${code}: ${error.errorMsg ?? error.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The cloud says the key does not exist (KMS.0207): deleted since we heard of it. */
export function isKeyGone(error: unknown): boolean {
  return error instanceof HwcError && error.is('KMS.0207');
}

export const KEY_GONE_REASON = 'key no longer exists (KMS.0207)';
