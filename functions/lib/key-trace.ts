import type { CtsTrace } from '../../shared/triggers/schemas/cts.ts';

/** The KMS key a CTS trace is about. */

const KEY_ID = /^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$/;

export function isKeyId(value: unknown): value is string {
  return typeof value === 'string' && KEY_ID.test(value);
}

/**
 * `resource_id`, else the key id in the response (`key_info.key_id`, `key_id`: createKey answers with it),
 * else in the request (`key_id`: scheduleKeyDeletion sends it). Undefined when none is a key id.
 */
export function keyIdOfTrace(trace: Pick<CtsTrace, 'resource_id' | 'request' | 'response'>): string | undefined {
  const response = trace.response ?? {};
  const keyInfo = response['key_info'];
  const candidates = [
    trace.resource_id,
    typeof keyInfo === 'object' && keyInfo !== null ? (keyInfo as Record<string, unknown>)['key_id'] : undefined,
    response['key_id'],
    trace.request?.['key_id'],
  ];
  return candidates.find(isKeyId);
}
