import { describe, expect, it } from 'vitest';
import { ApigEventSchema, isApigEvent } from '../../../../shared/triggers/schemas/apig.ts';
import { loadEvent, loadRecord } from '../../../fixtures/events/load.ts';

describe('ApigEventSchema', () => {
  it('parses the FunctionGraph APIG sample', () => {
    const event = ApigEventSchema.parse(loadEvent('apig_event'));
    expect(event.httpMethod).toBe('GET');
    expect(event.requestContext).toEqual({
      apiId: 'bc1dcffd-aa35-474d-897c-d53425a4c08e',
      requestId: '11cdcdcf33949dc6d722640a13091c77',
      stage: 'RELEASE',
    });
    expect(event.queryStringParameters).toEqual({ responseType: 'html' });
    expect(event.headers['x-real-ip']).toBe('103.218.216.98');
    expect(event.body).toBe('{"name": "OpenTelekomCloud"}');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('parses the base64 sample and tolerates quirks (string boolean, null maps, lowercase method, arrays)', () => {
    expect(ApigEventSchema.parse(loadEvent('apig_base64_event')).isBase64Encoded).toBe(true);
    const event = ApigEventSchema.parse({
      ...loadRecord('apig_event'),
      httpMethod: 'post',
      isBase64Encoded: 'false',
      body: null,
      pathParameters: null,
      queryStringParameters: { id: ['a', 'b'], n: 3 },
    });
    expect(event).toMatchObject({ httpMethod: 'POST', isBase64Encoded: false, body: '', pathParameters: {} });
    expect(event.queryStringParameters).toEqual({ id: 'a,b', n: '3' });
  });

  it('requires requestContext.requestId', () => {
    const event = loadRecord('apig_event');
    delete event.requestContext.requestId;
    const result = ApigEventSchema.safeParse(event);
    expect(result.error?.issues[0]?.path).toEqual(['requestContext', 'requestId']);
  });
});

describe('isApigEvent', () => {
  it('recognises APIG events and nothing else', () => {
    expect(isApigEvent(loadEvent('apig_event'))).toBe(true);
    expect(isApigEvent(loadEvent('timer_event'))).toBe(false);
    expect(isApigEvent(loadEvent('cts_event'))).toBe(false);
    expect(isApigEvent(null)).toBe(false);
    expect(isApigEvent({ httpMethod: 'GET', requestContext: null })).toBe(false);
  });
});
