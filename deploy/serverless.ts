import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * serverless.yml, read and validated: the one list of functions and triggers that deployment, the build
 * and the local host all share.
 */

const timerTrigger = z.object({
  triggerTypeCode: z.literal('TIMER'),
  status: z.enum(['ACTIVE', 'DISABLED']).default('ACTIVE'),
  eventData: z.object({
    name: z.string().optional(),
    scheduleType: z.enum(['Rate', 'Cron']).default('Rate'),
    schedule: z.string().min(1),
    userEvent: z.string().optional(),
  }),
});

const apigTrigger = z.object({
  triggerTypeCode: z.literal('APIG'),
  status: z.enum(['ACTIVE', 'DISABLED']).default('ACTIVE'),
  eventData: z.object({
    name: z.string().optional(),
    reqMethod: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS', 'ANY']).default('GET'),
    path: z.string().startsWith('/'),
    matchMode: z.enum(['SWA', 'NORMAL']).default('SWA'),
    auth: z.enum(['App', 'IAM', 'None']).default('IAM'),
    timeout: z.number().int().min(1).max(60_000).default(5_000),
  }).loose(),
});

const ctsTrigger = z.object({
  triggerTypeCode: z.literal('CTS'),
  status: z.enum(['ACTIVE', 'DISABLED']).default('ACTIVE'),
  eventData: z.object({
    name: z.string().optional(),
    /** `SERVICE:resourceType:traceName`, e.g. `KMS:cmk:createKey`. */
    operations: z.array(z.string().regex(/^[A-Za-z]+:[A-Za-z]+:[A-Za-z;]+$/, 'expected SERVICE:resourceType:traceName')).min(1),
  }),
});

const triggerSchema = z.discriminatedUnion('triggerTypeCode', [timerTrigger, apigTrigger, ctsTrigger]);

const functionSchema = z.object({
  handler: z.string().regex(/^dist\/[a-z0-9-]+\/index\.handler$/, 'expected dist/<function>/index.handler'),
  description: z.string().optional(),
  memorySize: z.number().optional(),
  timeout: z.number().optional(),
  userData: z.record(z.string(), z.string()).default({}),
  events: z.array(triggerSchema).default([]),
}).loose();

const serviceSchema = z.object({
  service: z.string(),
  provider: z.object({
    name: z.literal('huawei'),
    runtime: z.string(),
    timeout: z.number().default(30),
    environment: z.object({ variables: z.record(z.string(), z.string()).default({}) }).default({ variables: {} }),
  }).loose(),
  functions: z.record(z.string().regex(/^[a-z0-9-]+$/), functionSchema),
}).loose();

export type ServiceDefinition = z.output<typeof serviceSchema>;
export type FunctionDefinition = z.output<typeof functionSchema>;
export type TriggerDefinition = z.output<typeof triggerSchema>;

export function loadServerless(path: string): ServiceDefinition {
  let document: unknown;
  try {
    document = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = serviceSchema.safeParse(document);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${path} is not a valid serverless.yml: ${issues}`);
  }
  return parsed.data;
}

/** The source file of a function: `functions/<name>.ts`. */
export function sourceOf(name: string): string {
  return `functions/${name}.ts`;
}
