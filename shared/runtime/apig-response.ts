import type { MiddlewareObj } from '@middy/core';
import { isApigEvent } from '../triggers/schemas/apig.ts';

/** The response shape FunctionGraph expects from an APIG-triggered function. */
export interface ApigResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

export const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'content-type': 'application/json' });

/** A JSON APIG response: `{ statusCode, headers: { content-type: application/json }, body, isBase64Encoded: false }`. */
export function toApigResponse(payload: unknown, statusCode = 200, headers: Readonly<Record<string, string>> = {}): ApigResponse {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(payload ?? null), isBase64Encoded: false };
}

export function isApigResponse(value: unknown): value is ApigResponse {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.statusCode === 'number' && typeof candidate.body === 'string';
}

/** Middleware: for APIG invocations, wraps a handler's result (report or ignored result) as a 200 JSON response. */
export function apigResponse(): MiddlewareObj<any, any, Error, any> {
  return {
    name: 'apigResponse',
    after: (request) => {
      if (isApigEvent(request.event) && !isApigResponse(request.response)) {
        request.response = toApigResponse(request.response);
      }
    },
  };
}
