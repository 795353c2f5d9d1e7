import { z } from 'zod';

/**
 * FunctionGraph TIMER event:
 * `{ version, time, trigger_type: "TIMER", trigger_name, user_event }` where `user_event` is the
 * free text configured on the trigger (often JSON).
 */
export const TimerEventSchema = z
  .object({
    version: z.string().optional(),
    time: z.string(),
    trigger_type: z.literal('TIMER'),
    trigger_name: z.string(),
    // Configured text; absent/null when the trigger has none. An object is tolerated and re-serialised.
    user_event: z
      .union([z.string(), z.record(z.string(), z.unknown()), z.null()], { error: 'expected string' })
      .optional()
      .transform((value) => (value == null ? '' : typeof value === 'string' ? value : JSON.stringify(value))),
  })
  .loose();

export type TimerEvent = z.output<typeof TimerEventSchema>;
