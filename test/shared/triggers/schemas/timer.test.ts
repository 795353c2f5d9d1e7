import { describe, expect, it } from 'vitest';
import { TimerEventSchema } from '../../../../shared/triggers/schemas/timer.ts';
import { loadEvent, loadRecord } from '../../../fixtures/events/load.ts';

describe('TimerEventSchema', () => {
  it('parses the FunctionGraph TIMER sample', () => {
    const timer = TimerEventSchema.parse(loadEvent('timer_event'));
    expect(timer).toMatchObject({
      version: 'v1.0',
      time: '2023-06-01T08:30:00+08:00',
      trigger_type: 'TIMER',
      trigger_name: 'Timer_001',
      user_event: '{"message": "timer triggered event", "topic":"test"}',
    });
  });

  it('treats a missing or null user_event as empty text', () => {
    const { user_event: _, ...withoutUserEvent } = loadRecord('timer_event');
    expect(TimerEventSchema.parse(withoutUserEvent).user_event).toBe('');
    expect(TimerEventSchema.parse({ ...withoutUserEvent, user_event: null }).user_event).toBe('');
  });

  it('rejects another trigger_type', () => {
    expect(TimerEventSchema.safeParse({ ...loadRecord('timer_event'), trigger_type: 'CRON' }).success).toBe(false);
  });
});
