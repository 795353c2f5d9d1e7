import { z } from 'zod';

/** Header / query values: strings; numbers, booleans and repeated values (arrays) are tolerated. */
const stringish = z
  .union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))], {
    error: 'expected string',
  })
  .transform((value) => (Array.isArray(value) ? value.map(String).join(',') : String(value)));

const stringMap = z
  .record(z.string(), stringish)
  .nullish()
  .transform((value): Record<string, string> => value ?? {});

const booleanish = z
  .union([z.boolean(), z.enum(['true', 'false'])], { error: 'expected boolean' })
  .transform((value) => value === true || value === 'true');

const optionalString = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);

/** FunctionGraph APIG trigger event (shared and dedicated gateway). */
export const ApigEventSchema = z
  .object({
    body: z
      .string()
      .nullish()
      .transform((value) => value ?? ''),
    requestContext: z
      .object({
        apiId: optionalString,
        requestId: z.string(),
        stage: optionalString,
      })
      .loose(),
    queryStringParameters: stringMap,
    httpMethod: z.string().transform((value) => value.toUpperCase()),
    pathParameters: stringMap,
    headers: stringMap,
    path: z.string(),
    isBase64Encoded: booleanish.nullish().transform((value) => value ?? false),
  })
  .loose();

export type ApigEvent = z.output<typeof ApigEventSchema>;

/** Cheap structural test used to route errors and responses; full validation is ApigEventSchema. */
export function isApigEvent(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const candidate = event as Record<string, unknown>;
  return typeof candidate.httpMethod === 'string' && typeof candidate.requestContext === 'object' && candidate.requestContext !== null;
}
