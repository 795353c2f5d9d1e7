import type { MiddlewareObj, Request } from '@middy/core';
import { isApigEvent } from '../triggers/schemas/apig.ts';
import { toApigResponse } from './apig-response.ts';
import type { ApigResponse } from './apig-response.ts';
import { runtimeOf } from './context.ts';
import { createLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import { maskSecrets } from './redact.ts';

/**
 * Middleware: turns an error into the right outcome for the trigger.
 *
 * - APIG invocations get `{ statusCode, headers, body: {"error":{"code","message"}} }`. Errors that declare
 *   themselves safe to show (`expose: true` with a 4xx `statusCode` and a string `code`: trigger validation,
 *   request body, webhook auth) keep their status, code and message; a middy timeout is 504; anything else
 *   is a 500 with a generic message, the real error going to the log only.
 * - Other invocations (TIMER, CTS) rethrow a sanitised copy (name and masked message, no cause or extra
 *   properties) so FunctionGraph records the failure without leaking what the original carried.
 */

export interface ErrorResponseOptions {
  /** Where to log; a child with the request id is used per invocation. Default: stderr JSON logger. */
  logger?: Logger;
  /** Function name for the default logger. */
  functionName?: string;
}

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

interface Outcome {
  statusCode: number;
  code: string;
  message: string;
  exposed: boolean;
}

export const GENERIC_ERROR_MESSAGE = 'internal error';

export function errorResponse(options: ErrorResponseOptions = {}): MiddlewareObj<any, any, Error, any> {
  const base = options.logger ?? createLogger({ function: options.functionName ?? 'unknown' });
  return {
    name: 'errorResponse',
    onError: (request: Request<any, any, Error, any>) => {
      if (request.response !== undefined && request.response !== null) return; // already handled
      const error = toError(request.error);
      const outcome = classify(error);
      const log = base.child({ requestId: runtimeOf(request.context).requestId });
      if (outcome.exposed) log.warn('request rejected', { statusCode: outcome.statusCode, error });
      else log.error('invocation failed', { statusCode: outcome.statusCode, error });

      if (isApigEvent(request.event)) {
        request.response = errorToApigResponse(outcome);
        return;
      }
      request.error = sanitize(error);
    },
  };
}

/** The APIG response for an error, as the middleware would produce it. */
export function apigErrorResponse(error: unknown): ApigResponse {
  return errorToApigResponse(classify(toError(error)));
}

function errorToApigResponse(outcome: Outcome): ApigResponse {
  const body: ErrorBody = { error: { code: outcome.code, message: outcome.message } };
  return toApigResponse(body, outcome.statusCode);
}

function classify(error: Error): Outcome {
  const { expose, statusCode, code } = error as { expose?: unknown; statusCode?: unknown; code?: unknown };
  if (expose === true && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 && typeof code === 'string') {
    return { statusCode, code, message: maskSecrets(error.message), exposed: true };
  }
  if (error.name === 'TimeoutError') {
    return { statusCode: 504, code: 'timeout', message: 'the function ran out of time', exposed: false };
  }
  return { statusCode: 500, code: 'internal_error', message: GENERIC_ERROR_MESSAGE, exposed: false };
}

function sanitize(error: Error): Error {
  const clean = new Error(maskSecrets(error.message));
  clean.name = error.name;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' || typeof code === 'number') Object.assign(clean, { code });
  return clean;
}

function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : 'non-error thrown');
}
