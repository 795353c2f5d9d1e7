import { describe, expect, it } from 'vitest';
import { describeUser } from '../../../shared/triggers/user.ts';
import { parseCtsEvent } from '../../../shared/triggers/parse.ts';
import { loadEvent } from '../../fixtures/events/load.ts';

const ACCOUNT = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';

describe('describeUser', () => {
  it('names an IAM user by name', () => {
    expect(describeUser({ type: 'User', name: 'IAMUserA', principal_urn: `iam::${ACCOUNT}:user:IAMUserA` })).toBe('IAMUserA');
    expect(describeUser({ type: 'User', name: '', user_name: 'bob' })).toBe('bob');
  });

  it('names an agency session <agency>/<session> from principal_urn', () => {
    expect(describeUser(parseCtsEvent(loadEvent('cts_kms_create_key_agency')).user)).toBe('ops-automation/alice');
  });

  it('falls back to <domain>/<agency> name + principal_id session for agencies without a URN', () => {
    expect(describeUser({ type: 'AssumedAgency', name: 'acme-corp/ops-automation', principal_id: 'a9f3:alice' })).toBe(
      'ops-automation/alice',
    );
    expect(describeUser({ type: 'AssumedAgency', name: 'acme-corp/ops-automation' })).toBe('acme-corp/ops-automation');
  });

  it('ignores a URN of a different kind', () => {
    expect(
      describeUser({ type: 'AssumedAgency', name: 'acme/agent', principal_urn: `iam::${ACCOUNT}:user:agent`, principal_id: 'x:sess' }),
    ).toBe('agent/sess');
  });

  it('names a federated user <idp_id>/<session>', () => {
    expect(describeUser({ type: 'ExternalUser', name: 'corp-idp/jane', principal_urn: `sts::${ACCOUNT}:external-user:corp-idp/jane.doe` })).toBe(
      'corp-idp/jane.doe',
    );
    expect(describeUser({ type: 'ExternalUser', name: 'corp-idp/jane' })).toBe('corp-idp/jane');
    expect(describeUser({ type: 'ExternalUser', name: '', principal_id: 'corp-idp:jane' })).toBe('corp-idp/jane');
  });

  it('uses the name for untyped (older) traces and never returns empty', () => {
    expect(describeUser({ name: 'aaa/op_service' })).toBe('aaa/op_service');
    expect(describeUser({ type: 'Unexpected', name: 'svc' })).toBe('svc');
    expect(describeUser({ name: ' ', id: 'f2fe9fac63414a35a7d03108d5f1ea73' })).toBe('f2fe9fac63414a35a7d03108d5f1ea73');
    expect(describeUser({})).toBe('unknown');
  });
});
