import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { errorResponse, GENERIC_ERROR_MESSAGE } from '../../../shared/runtime/error-response.ts';
import { apigResponse } from '../../../shared/runtime/apig-response.ts';
import { createLogger, registerSecret } from '../../../shared/runtime/logger.ts';
import { signWebhook, webhookAuth } from '../../../shared/runtime/webhook-auth.ts';
import { buildReport } from '../../../shared/runtime/report.ts';
import { classifyTrigger } from '../../../shared/triggers/parse.ts';
import { parseWebhookTrace } from '../../../shared/triggers/webhook.ts';
import { loadEvent, loadRecord } from '../../fixtures/events/load.ts';

const SECRET = 'error-response-webhook-secret';
registerSecret('db-password-marker-9');

/** A tiny function composed like the real ones: errors → response outermost, then auth, then the handler. */
function build(lines: string[]) {
  const logger = createLogger({ function: 'tag-new-keys', sink: (line) => lines.push(line) });
  return middy()
    .use(errorResponse({ logger }))
    .use(apigResponse())
    .use(webhookAuth({ secret: SECRET, maxBytes: 4096 }))
    .handler(async (event: unknown) => {
      const trigger = classifyTrigger(event);
      if (trigger.kind === 'apig') {
        const trace = parseWebhookTrace(event, { maxBytes: 4096 });
        if (trace.trace_name === 'boom') throw new Error('connect ECONNREFUSED with db-password-marker-9');
        return buildReport({ function: 'tag-new-keys', trigger: 'apig', dryRun: true, actions: [{ kind: 'tag', target: trace.resource_id ?? '?', status: 'planned' }] });
      }
      if (trigger.kind === 'timer') throw Object.assign(new Error('sweep failed: db-password-marker-9'), { code: 'E_SWEEP', secretStuff: 'x' });
      return buildReport({ function: 'tag-new-keys', trigger: trigger.kind, dryRun: true, actions: [] });
    });
}

function apig(body: string, sign = true, extra: Record<string, unknown> = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (sign) headers['x-warden-signature'] = signWebhook(body, SECRET);
  return { ...loadRecord('apig_event'), httpMethod: 'POST', headers, body, ...extra };
}

const errorOf = (response: { body: string }) => (JSON.parse(response.body) as { error: { code: string; message: string } }).error;

describe('errorResponse middleware', () => {
  it('passes a successful APIG invocation through as 200', async () => {
    const response = await build([])(apig(JSON.stringify(loadRecord('cts_kms_create_key_agency'))), {} as any);
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).counts.planned).toBe(1);
  });

  it('turns an invalid trace into 400 naming the field', async () => {
    const trace = loadRecord('cts_kms_create_key_agency');
    delete trace.cts.user.name;
    const response = await build([])(apig(JSON.stringify(trace)), {} as any);
    expect(response).toMatchObject({ statusCode: 400, headers: { 'content-type': 'application/json' }, isBase64Encoded: false });
    expect(errorOf(response)).toEqual({ code: 'invalid_trigger', message: 'body.cts.user.name: expected string (missing)' });
  });

  it('turns bad JSON into 400 and an oversized body into 413', async () => {
    const bad = await build([])(apig('{"cts":'), {} as any);
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).code).toBe('invalid_json');
    const big = await build([])(apig(JSON.stringify({ pad: 'x'.repeat(5000) })), {} as any);
    expect(big.statusCode).toBe(413);
    expect(errorOf(big).code).toBe('body_too_large');
  });

  it('turns webhook auth failures into 401 with the reason', async () => {
    const body = JSON.stringify(loadRecord('cts_kms_create_key_agency'));
    const missing = await build([])(apig(body, false), {} as any);
    expect(missing.statusCode).toBe(401);
    expect(errorOf(missing)).toEqual({ code: 'missing_header', message: 'missing X-Warden-Signature header' });
    const forged = await build([])(apig(body, false, { headers: { 'x-warden-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'f'.repeat(64)}` } }), {} as any);
    expect(errorOf(forged).code).toBe('signature_mismatch');
    expect(forged.body).not.toContain(SECRET);
  });

  it('hides unexpected errors behind a generic 500 and logs them (masked)', async () => {
    const lines: string[] = [];
    const trace = loadRecord('cts_kms_create_key_agency');
    trace.cts.trace_name = 'boom';
    const response = await build(lines)(apig(JSON.stringify(trace)), { requestID: 'req-500' } as any);
    expect(response.statusCode).toBe(500);
    expect(errorOf(response)).toEqual({ code: 'internal_error', message: GENERIC_ERROR_MESSAGE });
    expect(response.body).not.toContain('ECONNREFUSED');
    const logged = lines.map((line) => JSON.parse(line));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'error', requestId: 'req-500', statusCode: 500, error: { name: 'Error' } });
    expect(logged[0].error.message).toContain('ECONNREFUSED');
    expect(lines[0]).not.toContain('db-password-marker-9');
  });

  it('rethrows a sanitised error for non-APIG invocations', async () => {
    const lines: string[] = [];
    const error = await build(lines)(loadEvent('timer_event'), {} as any).then(
      () => undefined,
      (e: unknown) => e as Error & Record<string, unknown>,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toBe('sweep failed: [redacted]');
    expect(error?.code).toBe('E_SWEEP');
    expect(error?.secretStuff).toBeUndefined();
    expect(error?.originalError).toBeUndefined();
    expect(lines).toHaveLength(1);
  });

  it('rethrows trigger validation errors of CTS invocations', async () => {
    const event = loadRecord('cts_event');
    event.cts.user.name = 1;
    await expect(build([])(event, {} as any)).rejects.toThrow('cts.user.name: expected string, got number');
  });
});
