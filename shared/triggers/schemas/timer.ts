import * as z from '../../zod.ts';
import { transformed } from '../../zod.ts';

/**
 * FunctionGraph TIMER event:
 * `{ version, time, trigger_type: "TIMER", trigger_name, user_event }` where `user_event` is the
 * free text configured on the trigger (often JSON).
 */
export const TimerEventSchema = z.looseObject({
  version: z.optional(z.string()),
  time: z.string(),
  trigger_type: z.literal('TIMER'),
  trigger_name: z.string(),
  // Configured text; absent/null when the trigger has none. An object is tolerated and re-serialised.
  user_event: transformed(
    z.optional(z.union([z.string(), z.record(z.string(), z.unknown()), z.null()], { error: 'expected string' })),
    (value) => (value == null ? '' : typeof value === 'string' ? value : JSON.stringify(value)),
  ),
});

export type TimerEvent = z.output<typeof TimerEventSchema>;
