import { describe, expect, it } from 'vitest';
import { CtsEventSchema, CtsTraceSchema } from '../../../../shared/triggers/schemas/cts.ts';
import { loadEvent, loadRecord } from '../../../fixtures/events/load.ts';

describe('CtsEventSchema', () => {
  it('parses the FunctionGraph CTS sample (epoch seconds, numeric code)', () => {
    const { cts } = CtsEventSchema.parse(loadEvent('cts_event'));
    expect(cts.trace_name).toBe('deleteGraph');
    expect(cts.time.toISOString()).toBe('2018-06-26T06:54:07.000Z');
    expect(cts.record_time?.toISOString()).toBe('2018-06-26T06:54:07.000Z');
    expect(cts.user.name).toBe('userName');
    expect(cts.user.domain).toEqual({ name: 'domainName', id: 'b2b3853af40448fcb9e40dxj89505ba' });
    expect(cts.code).toBe(204);
    expect(cts.request).toEqual({});
    expect(cts.trace_status).toBe('normal');
  });

  it('parses a current trace (epoch milliseconds, project/domain ids, extra fields kept)', () => {
    const { cts } = CtsEventSchema.parse(loadEvent('cts_fg_create'));
    expect(cts.time.toISOString()).toBe('2025-12-15T08:56:39.507Z');
    expect(cts.project_id).toBe('d52e41d2434941b194ce3f91b1b12f8a');
    expect(cts.domain_id).toBe('e51dfca1c18747919f6c16af2721f35d');
    expect(cts.read_only).toBe(false);
    expect(cts.code).toBe(0);
    expect(cts.api_version).toBe('');
    expect((cts as Record<string, unknown>).trace_rating).toBe('normal');
  });

  it('parses a KMS createKey trace by an agency: string numbers, JSON-text request, user details', () => {
    const { cts } = CtsEventSchema.parse(loadEvent('cts_kms_create_key_agency'));
    expect(cts.service_type).toBe('KMS');
    expect(cts.resource_id).toBe('0d0466b0-e727-4d9c-b35d-f84bb474a37f');
    expect(cts.record_time?.toISOString()).toBe('2024-06-10T06:13:20.456Z');
    expect(cts.code).toBe(200);
    expect(cts.read_only).toBe(false);
    expect(cts.request).toEqual({ key_alias: 'prod-db', key_spec: 'AES_256' });
    expect(cts.user.type).toBe('AssumedAgency');
    expect(cts.user.principal_is_root_user).toBe(false);
    expect(cts.user.invoked_by).toEqual(['service.console']);
  });
});

describe('CtsTraceSchema (bare trace)', () => {
  it('parses the ECS sample with the "YYYY/MM/DD HH:mm:ss GMT+08:00" time form', () => {
    const trace = CtsTraceSchema.parse(loadEvent('cts_ecs_creation'));
    expect(trace.time.toISOString()).toBe('2016-12-08T03:07:28.000Z');
    expect(trace.user.name).toBe('aaa/op_service');
    expect(trace.user.type).toBeUndefined();
    expect(trace.response?.job_type).toBe('createSingleServer');
    expect(trace.source_ip).toBe('');
  });

  it('reads null request/response as absent and keeps non-JSON text', () => {
    const trace = CtsTraceSchema.parse({ ...loadRecord('cts_kms_schedule_deletion_user'), request: 'key_id=abc' });
    expect(trace.response).toBeUndefined();
    expect(trace.request).toEqual({ raw: 'key_id=abc' });
  });

  it('fails on a missing user name, naming the path', () => {
    const trace = loadRecord('cts_kms_schedule_deletion_user');
    delete trace.user.name;
    const result = CtsTraceSchema.safeParse(trace);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['user', 'name']);
  });

  it('rejects an unparseable time', () => {
    const result = CtsTraceSchema.safeParse({ ...loadRecord('cts_kms_schedule_deletion_user'), time: 'yesterday' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/^expected epoch seconds\/milliseconds or a time like/);
  });
});
