/** One error type for every failed Huawei Cloud call: what was called, what the cloud said. */

export interface HwcErrorDetails {
  /** Operation name, e.g. `kms.cancelKeyDeletion`. */
  readonly operation: string;
  /** HTTP status; 0 when no response arrived (connection failure, timeout) or the request was never sent. */
  readonly status: number;
  readonly errorCode?: string | undefined;
  readonly errorMsg?: string | undefined;
  readonly requestId?: string | undefined;
  /** How many attempts were made (retries included). */
  readonly attempts?: number | undefined;
  readonly cause?: unknown;
}

/** Codes of our own for failures that did not come from the cloud. */
export const LocalErrorCode = {
  invalidRequest: 'WARDEN.INVALID_REQUEST',
  invalidResponse: 'WARDEN.INVALID_RESPONSE',
  /** A paged listing that cannot prove it was read to its end (see paginate.ts). */
  incompleteListing: 'WARDEN.INCOMPLETE_LISTING',
  network: 'WARDEN.NETWORK',
  timeout: 'WARDEN.TIMEOUT',
  credentials: 'WARDEN.CREDENTIALS',
  /** The invocation's deadline stopped the call: not sent, cut in flight, or not retried. */
  deadline: 'WARDEN.DEADLINE',
} as const;

export class HwcError extends Error {
  override readonly name = 'HwcError';
  readonly operation: string;
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly errorMsg: string | undefined;
  readonly requestId: string | undefined;
  readonly attempts: number;

  constructor(details: HwcErrorDetails) {
    super(describe(details), details.cause === undefined ? undefined : { cause: details.cause });
    this.operation = details.operation;
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.errorMsg = details.errorMsg;
    this.requestId = details.requestId;
    this.attempts = details.attempts ?? 1;
  }

  /** True when the cloud answered with this error code (e.g. `KMS.1501`). */
  is(errorCode: string): boolean {
    return this.errorCode === errorCode;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      operation: this.operation,
      status: this.status,
      error_code: this.errorCode,
      error_msg: this.errorMsg,
      request_id: this.requestId,
      attempts: this.attempts,
    };
  }
}

/**
 * True when the caller's deadline stopped the call (`Transport.withDeadline`): no answer was read (status 0), so a
 * change it carried may or may not have been made. Never an answer of the cloud's, whatever code that names.
 */
export function isDeadlineError(error: unknown): error is HwcError {
  return error instanceof HwcError && error.status === 0 && error.errorCode === LocalErrorCode.deadline;
}

function describe(details: HwcErrorDetails): string {
  const status = details.status ? `HTTP ${details.status}` : 'no response';
  const code = details.errorCode ? ` ${details.errorCode}` : '';
  const msg = details.errorMsg ? `: ${details.errorMsg}` : '';
  const request = details.requestId ? ` (request ${details.requestId})` : '';
  return `${details.operation} failed with ${status}${code}${msg}${request}`;
}

/**
 * Reads the cloud's error body in any of its documented shapes:
 * `{"error":{"error_code","error_msg"}}` (KMS, CSMS), top-level `error_code`/`error_msg` (CSBS),
 * and IAM's `{"error":{"code","message"}}`.
 */
export function parseErrorBody(body: unknown): { errorCode?: string; errorMsg?: string } {
  if (!isRecord(body)) return {};
  const nested = isRecord(body['error']) ? body['error'] : undefined;
  const code = nested?.['error_code'] ?? nested?.['code'] ?? body['error_code'] ?? body['code'];
  const msg = nested?.['error_msg'] ?? nested?.['message'] ?? body['error_msg'] ?? body['message'];
  const result: { errorCode?: string; errorMsg?: string } = {};
  if (typeof code === 'string' || typeof code === 'number') result.errorCode = String(code);
  if (typeof msg === 'string') result.errorMsg = msg;
  return result;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
