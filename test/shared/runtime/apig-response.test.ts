import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { apigResponse, toApigResponse } from '../../../shared/runtime/apig-response.ts';
import { buildReport } from '../../../shared/runtime/report.ts';
import { loadEvent } from '../../fixtures/events/load.ts';

const report = buildReport({ function: 'check-restorable', trigger: 'apig', dryRun: false, actions: [] });

describe('toApigResponse', () => {
  it('wraps a report as a 200 JSON response', () => {
    expect(toApigResponse(report)).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(report),
      isBase64Encoded: false,
    });
  });
});

describe('apigResponse middleware', () => {
  const handler = middy()
    .use(apigResponse())
    .handler(async () => report);

  it('wraps results of APIG invocations', async () => {
    const response = await handler(loadEvent('apig_event'), {} as any);
    expect(response).toMatchObject({ statusCode: 200, isBase64Encoded: false });
    expect(JSON.parse(response.body)).toEqual(report);
  });

  it('leaves results of other triggers alone', async () => {
    expect(await handler(loadEvent('timer_event'), {} as any)).toEqual(report);
  });

  it('does not double-wrap a ready response', async () => {
    const ready = middy()
      .use(apigResponse())
      .handler(async () => toApigResponse({ ok: true }, 202));
    expect((await ready(loadEvent('apig_event'), {} as any)).statusCode).toBe(202);
  });
});
