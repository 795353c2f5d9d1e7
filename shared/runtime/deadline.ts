/**
 * One invocation's deadline: the time the platform says is left, less a safety margin kept for the report and
 * the answer. Its `signal` is what every cloud call of the run receives (`HuaweiCloud.withDeadline`): it aborts
 * when the deadline passes (a timer), or as soon as the platform says less time is left than that (`passed()`
 * asks it again). One per invocation: unlike middy's signal, which middy shares between the invocations an
 * instance runs at once, it ends nothing but its own run.
 */

/** `setTimeout` takes at most this many milliseconds; a deadline further away is not timed (it is weeks off). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Deadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param remainingMs the platform's time left, asked afresh each time (Infinity when it sets no limit)
   * @param marginMs how long before the platform's limit the deadline falls
   */
  constructor(
    private readonly remainingMs: () => number,
    readonly marginMs: number,
  ) {
    this.signal = this.controller.signal;
    const left = remainingMs() - marginMs;
    if (left <= 0) this.pass();
    else if (left <= MAX_TIMER_MS) {
      this.timer = setTimeout(() => this.pass(), left);
      this.timer.unref?.();
    }
  }

  /** True once the deadline has passed. Asks the platform again, so a clock that runs ahead of ours counts. */
  passed(): boolean {
    if (!this.signal.aborted && this.remainingMs() < this.marginMs) this.pass();
    return this.signal.aborted;
  }

  /** Stops the timer (the run's work is over); the signal stays as it is. */
  end(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pass(): void {
    if (this.signal.aborted) return;
    this.end();
    this.controller.abort(new DOMException(`the invocation's deadline passed (${this.marginMs} ms before its time limit)`, 'TimeoutError'));
  }
}
