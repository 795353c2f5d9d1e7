import { parseCtsEvent, parseTimerEvent } from '../../shared/triggers/parse.ts';
import { parseRequest, parseResponse } from '../../shared/hwc/schema.ts';
import { DeleteKeyRequestSchema, KeyIdRequestSchema, ListKeyDetailResponseSchema } from '../../shared/hwc/kms.ts';
import { loadPolicy } from '../../shared/policy.ts';

/**
 * Malformed inputs for each kind of validation a function does, and the error message each produces.
 * `test/deploy/bundle-size.test.ts` runs these from the sources and from an esbuild bundle (where no classic
 * zod registers its English locale) and expects the same messages.
 */
const probes: Record<string, () => unknown> = {
  timer: () => parseTimerEvent({ trigger_type: 'TIMER', time: 5 }),
  cts: () => parseCtsEvent({ cts: { time: 'yesterday', user: { name: 7 }, trace_name: '', code: [] } }),
  request: () => parseRequest(KeyIdRequestSchema, { key_id: 'short' }, 'kms.test'),
  requestRange: () => parseRequest(DeleteKeyRequestSchema, { key_id: 1, pending_days: 3.5 }, 'kms.test'),
  response: () =>
    parseResponse(ListKeyDetailResponseSchema, { status: 200, headers: {}, body: { key_info: { key_id: '', key_alias: 3, key_spec: [] } } } as never, 'kms.test'),
  policy: () => loadPolicy({ env: { WARDEN_CONCURRENCY: '0', WARDEN_DRY_RUN: 'maybe' } }),
};

export function runProbes(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, probe] of Object.entries(probes)) {
    try {
      probe();
      out[name] = 'no error';
    } catch (error) {
      out[name] = (error as Error).message;
    }
  }
  return out;
}

if (process.env.WARDEN_PRINT_PROBES === '1') process.stdout.write(JSON.stringify(runProbes()));
