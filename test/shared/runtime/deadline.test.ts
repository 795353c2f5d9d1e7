import { describe, expect, it } from 'vitest';
import { Deadline } from '../../../shared/runtime/deadline.ts';

/** One invocation's deadline: the time the platform says is left, less the margin. */

const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

describe('Deadline', () => {
  it('has passed from the start when less than the margin is left', () => {
    const deadline = new Deadline(() => 400, 500);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.passed()).toBe(true);
    expect(deadline.signal.reason).toMatchObject({ name: 'TimeoutError', message: "the invocation's deadline passed (500 ms before its time limit)" });
  });

  it('passes by itself when the time runs out', async () => {
    const end = Date.now() + 30;
    const deadline = new Deadline(() => end - Date.now(), 0);
    await aborted(deadline.signal);
    expect(deadline.passed()).toBe(true);
  });

  it('asks the platform again: a clock that jumps ahead makes it pass at once', () => {
    let left = 60_000;
    const deadline = new Deadline(() => left, 5_000);
    expect(deadline.passed()).toBe(false);
    left = 4_999;
    expect(deadline.passed()).toBe(true);
    expect(deadline.signal.aborted).toBe(true);
    deadline.end();
  });

  it('has no time limit when the platform gives none', () => {
    const deadline = new Deadline(() => Number.POSITIVE_INFINITY, 5_000);
    expect(deadline.passed()).toBe(false);
    deadline.end();
  });
});
