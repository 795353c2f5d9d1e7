/**
 * One invocation's deadline: the time the platform says is left, less a safety margin kept for the report and
 * the answer. Its `signal` is what every cloud call of the run receives (`HuaweiCloud.withDeadline`): it aborts
 * when the deadline passes (a timer), when the platform says less time is left than that (`passed()` asks it
 * again), or when an outer signal does (middy's, for the invocation).
 */

/** `setTimeout` takes at most this many milliseconds; a deadline further away is not timed (it is weeks off). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Deadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly outer: AbortSignal | undefined;
  private readonly onOuterAbort = () => this.pass();

  /**
   * @param remainingMs the platform's time left, asked afresh each time (Infinity when it sets no limit)
   * @param marginMs how long before the platform's limit the deadline falls
   * @param outer an outer signal that ends the invocation sooner
   */
  constructor(
    private readonly remainingMs: () => number,
    readonly marginMs: number,
    outer?: AbortSignal,
  ) {
    this.signal = this.controller.signal;
    this.outer = outer;
    outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    const left = remainingMs() - marginMs;
    if (outer?.aborted || left <= 0) this.pass();
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

  /** Stops the timer and lets go of the outer signal (the invocation's work is over); the signal stays as it is. */
  end(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }

  private pass(): void {
    if (this.signal.aborted) return;
    this.end();
    this.controller.abort(new DOMException(`the invocation's deadline passed (${this.marginMs} ms before its time limit)`, 'TimeoutError'));
  }
}
