import type { HostedFunction } from './functions.ts';
import { describeSchedule, nextFire, parseSchedule } from './schedule.ts';
import { timerEvent } from '../cloud/functiongraph/schedule.ts';

export { isoWithOffset, timerEvent } from '../cloud/functiongraph/schedule.ts';
import type { Schedule } from './schedule.ts';

/**
 * TIMER triggers: each fires on its schedule (and once at start), with a TIMER event shaped like FunctionGraph's.
 * Runs of one function's timers never overlap: a tick that comes while the previous run is still going is
 * skipped and reported. `timeScale` runs the schedules' clock faster (tests, demos): at 3600 an hourly
 * trigger fires every second; cron expressions are read against that faster clock.
 */

export interface TimerJob {
  readonly fn: HostedFunction;
  readonly name: string;
  readonly schedule: Schedule;
  readonly userEvent: string;
  /** Real time of the next tick, once started. */
  nextAt: Date | undefined;
}

export interface TimerOptions {
  readonly timeScale?: number;
  readonly runAtStart?: boolean;
  /** Runs the function; resolves when the handler has settled. */
  readonly run: (job: TimerJob, event: Record<string, unknown>) => Promise<void>;
  /** A tick skipped because the function's previous timer run is still going (started at `since`). */
  readonly onSkip: (job: TimerJob, since: Date) => void;
}

/** setTimeout's longest delay; longer waits are taken in steps. */
const MAX_DELAY_MS = 2_147_483_647;

export function timerJobs(functions: readonly HostedFunction[]): TimerJob[] {
  const jobs: TimerJob[] = [];
  for (const fn of functions) {
    fn.triggers.forEach((trigger, index) => {
      if (trigger.triggerTypeCode !== 'TIMER') return;
      const { name, scheduleType, schedule, userEvent } = trigger.eventData;
      let parsed: Schedule;
      try {
        parsed = parseSchedule(scheduleType, schedule);
      } catch (error) {
        throw new Error(`function ${fn.name}, TIMER trigger ${name ?? index + 1}: ${error instanceof Error ? error.message : String(error)}`);
      }
      jobs.push({ fn, name: name ?? `${fn.name}-timer-${index + 1}`, schedule: parsed, userEvent: userEvent ?? '', nextAt: undefined });
    });
  }
  return jobs;
}

export class Timers {
  private readonly handles = new Map<TimerJob, NodeJS.Timeout>();
  /** Function name → when its running timer run started. */
  private readonly busy = new Map<string, Date>();
  private readonly scale: number;
  private origin = Date.now();
  private stopped = false;

  constructor(
    readonly jobs: readonly TimerJob[],
    private readonly options: TimerOptions,
  ) {
    this.scale = options.timeScale ?? 1;
    if (!(this.scale > 0) || !Number.isFinite(this.scale)) throw new Error(`timeScale must be a positive number, got ${this.scale}`);
  }

  start(): void {
    this.origin = Date.now();
    for (const job of this.jobs) {
      if (this.options.runAtStart !== false) this.fire(job);
      this.arm(job, this.origin);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const handle of this.handles.values()) clearTimeout(handle);
    this.handles.clear();
    for (const job of this.jobs) job.nextAt = undefined;
  }

  isRunning(fn: string): boolean {
    return this.busy.has(fn);
  }

  describe(job: TimerJob): string {
    return describeSchedule(job.schedule);
  }

  /** The schedules' clock: real time, sped up by `timeScale` since start. */
  private virtualNow(): number {
    return this.origin + (Date.now() - this.origin) * this.scale;
  }

  private arm(job: TimerJob, after: number): void {
    if (this.stopped) return;
    const next = nextFire(job.schedule, new Date(after), new Date(this.origin)).getTime();
    const delay = Math.max(0, (next - this.virtualNow()) / this.scale);
    job.nextAt = new Date(Date.now() + delay);
    this.wait(job, delay, () => {
      this.fire(job);
      this.arm(job, Math.max(next, this.virtualNow()));
    });
  }

  private wait(job: TimerJob, delay: number, then: () => void): void {
    const step = Math.min(delay, MAX_DELAY_MS);
    const handle = setTimeout(() => {
      this.handles.delete(job);
      if (this.stopped) return;
      if (delay > step) this.wait(job, delay - step, then);
      else then();
    }, step);
    handle.unref();
    this.handles.set(job, handle);
  }

  private fire(job: TimerJob): void {
    if (this.stopped) return;
    const since = this.busy.get(job.fn.name);
    if (since) {
      this.options.onSkip(job, since);
      return;
    }
    this.busy.set(job.fn.name, new Date());
    const event = timerEvent(job.name, job.userEvent);
    void this.options
      .run(job, event)
      .catch(() => undefined)
      .finally(() => this.busy.delete(job.fn.name));
  }
}
