import * as z from '../../zod.ts';
import { transformed } from '../../zod.ts';

/** Header / query values: strings; numbers, booleans and repeated values (arrays) are tolerated. */
const stringish = transformed(
  z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))], {
    error: 'expected string',
  }),
  (value) => (Array.isArray(value) ? value.map(String).join(',') : String(value)),
);

const stringMap = transformed(z.nullish(z.record(z.string(), stringish)), (value): Record<string, string> => value ?? {});

const booleanish = transformed(
  z.union([z.boolean(), z.enum(['true', 'false'])], { error: 'expected boolean' }),
  (value) => value === true || value === 'true',
);

const optionalString = transformed(z.nullish(z.string()), (value) => value ?? undefined);

/** FunctionGraph APIG trigger event (shared and dedicated gateway). */
export const ApigEventSchema = z.looseObject({
  body: transformed(z.nullish(z.string()), (value) => value ?? ''),
  requestContext: z.looseObject({
    apiId: optionalString,
    requestId: z.string(),
    stage: optionalString,
  }),
  queryStringParameters: stringMap,
  httpMethod: transformed(z.string(), (value) => value.toUpperCase()),
  pathParameters: stringMap,
  headers: stringMap,
  path: z.string(),
  isBase64Encoded: transformed(z.nullish(booleanish), (value) => value ?? false),
});

export type ApigEvent = z.output<typeof ApigEventSchema>;

/** Cheap structural test used to route errors and responses; full validation is ApigEventSchema. */
export function isApigEvent(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const candidate = event as Record<string, unknown>;
  return typeof candidate.httpMethod === 'string' && typeof candidate.requestContext === 'object' && candidate.requestContext !== null;
}
