import { describe, expect, it } from 'vitest';
import { classifyTrigger, parseCtsEvent, TriggerValidationError } from '../../../shared/triggers/parse.ts';
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

describe('classifyTrigger', () => {
  it('classifies a TIMER event and parses its JSON user_event', () => {
    const trigger = classifyTrigger(loadEvent('timer_event'));
    expect(trigger.kind).toBe('timer');
    if (trigger.kind !== 'timer') return;
    expect(trigger.name).toBe('Timer_001');
    expect(trigger.firedAt?.toISOString()).toBe('2023-06-01T00:30:00.000Z');
    expect(trigger.payload).toEqual({ message: 'timer triggered event', topic: 'test' });
  });

  it('leaves a non-JSON user_event as text only', () => {
    const trigger = classifyTrigger({ ...loadRecord('timer_event'), user_event: 'sweep' });
    expect(trigger).toMatchObject({ kind: 'timer', userEvent: 'sweep', payload: undefined });
  });

  it('classifies an APIG event', () => {
    expect(classifyTrigger(loadEvent('apig_event'))).toMatchObject({
      kind: 'apig',
      method: 'GET',
      path: '/',
      requestId: '11cdcdcf33949dc6d722640a13091c77',
    });
  });

  it('classifies a CTS event', () => {
    const trigger = classifyTrigger(loadEvent('cts_kms_create_key_agency'));
    expect(trigger.kind).toBe('cts');
    if (trigger.kind === 'cts') expect(trigger.trace.trace_name).toBe('createKey');
  });

  it('returns unknown for other events', () => {
    expect(classifyTrigger(loadEvent('smn_event'))).toEqual({ kind: 'unknown', reason: 'unrecognised event shape' });
    expect(classifyTrigger({ trigger_type: 'OBS' })).toEqual({ kind: 'unknown', reason: 'trigger_type "OBS"' });
    expect(classifyTrigger('hello')).toEqual({ kind: 'unknown', reason: 'event is string, not an object' });
    expect(classifyTrigger(null)).toMatchObject({ kind: 'unknown' });
  });

  it('names the offending field of a malformed CTS event', () => {
    const event = loadRecord('cts_event');
    event.cts.user.name = 42;
    const error = validationError(() => classifyTrigger(event));
    expect(error.message).toBe('cts.user.name: expected string, got number');
    expect(error).toMatchObject({ name: 'TriggerValidationError', source: 'cts', statusCode: 400, code: 'invalid_trigger' });
  });

  it('says when a field is missing, and lists several problems', () => {
    const event = loadRecord('cts_event');
    delete event.cts.user.name;
    delete event.cts.user.domain.id;
    event.cts.time = 'soon';
    const error = validationError(() => parseCtsEvent(event));
    expect(error.message).toContain('cts.user.name: expected string (missing)');
    expect(error.message).toContain('cts.user.domain.id: expected string (missing)');
    expect(error.message).toContain('cts.time: expected epoch seconds/milliseconds');
    expect(error.issues).toHaveLength(3);
  });

  it('names fields of malformed TIMER and APIG events', () => {
    const timer = loadRecord('timer_event');
    delete timer.trigger_name;
    expect(validationError(() => classifyTrigger(timer)).message).toBe('trigger_name: expected string (missing)');
    const apig = loadRecord('apig_event');
    apig.path = ['/'];
    expect(validationError(() => classifyTrigger(apig)).message).toBe('path: expected string, got array');
  });
});
