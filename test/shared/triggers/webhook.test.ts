import { describe, expect, it } from 'vitest';
import { RequestBodyError } from '../../../shared/triggers/envelopes/apig.ts';
import { TriggerValidationError } from '../../../shared/triggers/parse.ts';
import { parseWebhookRequest, parseWebhookTrace, QueryParameterError, refuseQueryParameters } from '../../../shared/triggers/webhook.ts';
import { loadEvent, loadRecord } from '../../fixtures/events/load.ts';

function validationError(fn: () => unknown): TriggerValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TriggerValidationError);
    return error as TriggerValidationError;
  }
  throw new Error('expected a TriggerValidationError');
}

function webhook(body: unknown, base64 = false) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { ...loadRecord('apig_event'), httpMethod: 'POST', body: base64 ? Buffer.from(text).toString('base64') : text, isBase64Encoded: base64 };
}

const wrapped = loadRecord('cts_kms_create_key_agency');
const bare = () => loadRecord('cts_kms_schedule_deletion_user');
const TRACES = { functionName: 'tag-new-keys', acceptsTraces: true };
const SWEEPS = { functionName: 'prune-orphan-events', acceptsTraces: false };

describe('parseWebhookRequest: the dry-run choice comes from the signed body', () => {
  it.each([
    ['an empty body', '', undefined],
    ['{}', '{}', undefined],
    ['{"dryRun": true}', '{"dryRun": true}', true],
    ['{"dryRun": false}', '{"dryRun":false}', false],
  ])('reads %s as a sweep, for every function', (_, body, dryRun) => {
    for (const options of [TRACES, SWEEPS]) expect(parseWebhookRequest(webhook(body), options)).toEqual({ kind: 'sweep', dryRun });
  });

  it('reads a trace with its dry-run choice next to "cts", and a bare trace with none', () => {
    expect(parseWebhookRequest(webhook({ ...wrapped, dryRun: true }), TRACES)).toMatchObject({ kind: 'trace', dryRun: true, trace: { trace_name: 'createKey' } });
    expect(parseWebhookRequest(webhook({ ...wrapped, dryRun: false }), TRACES)).toMatchObject({ kind: 'trace', dryRun: false });
    expect(parseWebhookRequest(webhook(wrapped), TRACES)).toMatchObject({ kind: 'trace', dryRun: undefined });
    expect(parseWebhookRequest(webhook(bare(), true), TRACES)).toMatchObject({ kind: 'trace', dryRun: undefined, trace: { trace_name: 'scheduleKeyDeletion' } });
  });

  it.each([
    ['"true"', 'string'],
    ['1', 'number'],
    ['0', 'number'],
    ['null', 'null'],
    ['"yes-please"', 'string'],
    ['[true]', 'array'],
    ['{"value":true}', 'object'],
  ])('refuses "dryRun": %s with 400 naming the field and the type', (value, type) => {
    for (const options of [TRACES, SWEEPS]) {
      const error = validationError(() => parseWebhookRequest(webhook(`{"dryRun":${value}}`), options));
      expect(error.statusCode).toBe(400);
      expect(error.message).toBe(`body.dryRun: expected a JSON boolean (true or false), got ${type}`);
    }
    const traced = validationError(() => parseWebhookRequest(webhook(`{"cts":${JSON.stringify(wrapped.cts)},"dryRun":${value}}`), TRACES));
    expect(traced.message).toBe(`body.dryRun: expected a JSON boolean (true or false), got ${type}`);
  });

  it.each(['dry_run', 'dryrun', 'dry-run', 'DryRun', 'DRY_RUN'])('refuses a misspelt "%s" wherever it is, rather than running for real', (field) => {
    const hint = 'not read here; choose the dry run at the top level of the body: {} or {"dryRun": true|false} for a sweep, {"cts": <trace>, "dryRun": true|false} for a trace';
    for (const options of [TRACES, SWEEPS]) {
      expect(validationError(() => parseWebhookRequest(webhook({ [field]: true }), options)).message).toBe(`body.${field}: ${hint}`);
    }
    expect(validationError(() => parseWebhookRequest(webhook({ ...wrapped, [field]: true }), TRACES)).message).toBe(`body.${field}: ${hint}`);
    expect(validationError(() => parseWebhookRequest(webhook({ cts: { ...wrapped.cts, [field]: true } }), TRACES)).message).toBe(`body.cts.${field}: ${hint}`);
    expect(validationError(() => parseWebhookRequest(webhook({ ...bare(), [field]: true }), TRACES)).message).toBe(`body.${field}: ${hint}`);
  });

  it('refuses "dryRun" inside the trace (a bare trace, or "cts"): the choice goes next to "cts"', () => {
    const inside = validationError(() => parseWebhookRequest(webhook({ cts: { ...wrapped.cts, dryRun: true } }), TRACES));
    expect(inside.message).toMatch(/^body\.cts\.dryRun: not read here; choose the dry run at the top level/);
    const bareWithDryRun = validationError(() => parseWebhookRequest(webhook({ ...bare(), dryRun: true }), TRACES));
    expect(bareWithDryRun.message).toBe(
      'body.time: unknown field next to "dryRun"; a sweep\'s body is {} or {"dryRun": true|false}; a trace with a dry-run choice is {"cts": <trace>, "dryRun": true|false}',
    );
    expect(validationError(() => parseWebhookTrace(webhook({ ...bare(), dryRun: true }))).message).toMatch(/^body\.dryRun: not read here/);
  });

  it('refuses unknown fields next to "cts" or "dryRun"', () => {
    expect(validationError(() => parseWebhookRequest(webhook({ ...wrapped, dryRun: true, force: true }), TRACES)).message).toBe(
      'body.force: unknown field; a trace webhook\'s body is {"cts": <trace>, "dryRun": true|false} or the bare trace',
    );
    expect(validationError(() => parseWebhookRequest(webhook({ dryRun: true, all: 1 }), SWEEPS)).message).toBe(
      'body.all: unknown field next to "dryRun"; a sweep\'s body is {} or {"dryRun": true|false}',
    );
  });

  it('a sweep-only function refuses a trace or any other object (400 unexpected_body), and non-objects', () => {
    for (const body of [wrapped, { cts: wrapped.cts, dryRun: true }, { a: 1, b: 2 }]) {
      const error = (() => {
        try {
          parseWebhookRequest(webhook(body), SWEEPS);
        } catch (caught) {
          return caught as RequestBodyError;
        }
        throw new Error('expected a refusal');
      })();
      expect(error).toBeInstanceOf(RequestBodyError);
      expect(error).toMatchObject({ code: 'unexpected_body', statusCode: 400 });
      expect(error.message).toMatch(/^prune-orphan-events runs sweeps only: send an empty body or \{\} or \{"dryRun": true\|false\} \(unknown fields? "/);
    }
    expect(validationError(() => parseWebhookRequest(webhook('[1]'), SWEEPS)).message).toBe('body: expected a JSON object, {} or {"dryRun": true|false}, got array');
    expect(validationError(() => parseWebhookRequest(webhook('true'), TRACES)).message).toBe(
      'body: expected a JSON object, {} or {"dryRun": true|false}, or a CTS trace, got boolean',
    );
  });
});

describe('refuseQueryParameters', () => {
  const query = (queryStringParameters: Record<string, string>) => ({ queryStringParameters });

  it('accepts no parameters', () => {
    expect(() => refuseQueryParameters(query({}))).not.toThrow();
  });

  it.each(['dryRun', 'dryrun', 'dry-run', 'dry_run'])('refuses ?%s with 400, pointing at the signed body', (name) => {
    for (const value of ['true', '', 'yes-please', 'false']) {
      const error = (() => {
        try {
          refuseQueryParameters(query({ [name]: value }));
        } catch (caught) {
          return caught as QueryParameterError;
        }
        throw new Error('expected a refusal');
      })();
      expect(error).toBeInstanceOf(QueryParameterError);
      expect(error).toMatchObject({ statusCode: 400, code: 'unknown_query_parameter', expose: true });
      expect(error.message).toBe(`unknown query parameter "${name}": the dry run is chosen in the signed body, {"dryRun": true}`);
    }
  });

  it('names any other parameter, several at once, escaped and cut short', () => {
    expect(() => refuseQueryParameters(query({ force: '1' }))).toThrow('unknown query parameter "force": webhooks take no query parameters: the signature covers the body only');
    expect(() => refuseQueryParameters(query({ a: '', '': 'x', 'b\n"c': '' }))).toThrow('unknown query parameters "a", "", "b\\n\\"c": webhooks take no');
    const many = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`${'p'.repeat(60)}${i}`, '']));
    expect(() => refuseQueryParameters(query(many))).toThrow(/^unknown query parameters ("p{37}\.\.\.", ){4}"p{37}\.\.\." \(and 2 more\): /);
  });
});

describe('parseWebhookTrace', () => {
  it('accepts { cts: trace } bodies, with or without a dry-run choice', () => {
    expect(parseWebhookTrace(webhook(wrapped)).trace_id).toBe('7b1c62f0-2706-11ef-9a3e-0242ac120002');
    expect(parseWebhookTrace(webhook({ ...wrapped, dryRun: true })).trace_id).toBe('7b1c62f0-2706-11ef-9a3e-0242ac120002');
  });

  it('accepts a bare trace, also base64-encoded', () => {
    expect(parseWebhookTrace(webhook(bare())).trace_name).toBe('scheduleKeyDeletion');
    expect(parseWebhookTrace(webhook(bare(), true)).time.toISOString()).toBe('2024-06-10T06:13:20.000Z');
  });

  it('names paths under body.', () => {
    const broken = structuredClone(wrapped);
    broken.cts.user.domain = 'acme';
    expect(validationError(() => parseWebhookTrace(webhook(broken))).message).toBe('body.cts.user.domain: expected object, got string');
    const missing = bare();
    delete missing.trace_name;
    expect(validationError(() => parseWebhookTrace(webhook(missing))).message).toBe('body.trace_name: expected string (missing)');
    expect(validationError(() => parseWebhookTrace(webhook('[1,2]'))).message).toBe('body: expected a CTS trace object, got array');
  });

  it('applies body limits before parsing', () => {
    expect(() => parseWebhookTrace(webhook(wrapped), { maxBytes: 64 })).toThrow(RequestBodyError);
    expect(() => parseWebhookTrace(webhook('{"cts":{"__proto__":{}}}'))).toThrow(/forbidden key "__proto__"/);
  });

  it('rejects a non-APIG event', () => {
    expect(validationError(() => parseWebhookTrace(loadEvent('timer_event'))).source).toBe('apig');
  });
});
