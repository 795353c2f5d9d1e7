/** Ratios over repeated rounds, reported as min / median / max. Absolute times are never compared across runs. */

export interface Summary {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { min: sorted[0] as number, median, max: sorted[sorted.length - 1] as number };
}

export interface Goal {
  readonly op: '>=' | '<=';
  readonly value: number;
}

export interface Figure {
  /** e.g. `signing: ours / floor` (a ratio of throughputs, times, sizes…). */
  readonly name: string;
  readonly values: readonly number[];
  readonly goal?: Goal | undefined;
  /** What the ratio compares, in a few words. */
  readonly note?: string | undefined;
  /** Digits after the point; default 2. */
  readonly digits?: number | undefined;
}

export function meets(figure: Figure): boolean | undefined {
  if (!figure.goal) return undefined;
  const { median } = summarize(figure.values);
  return figure.goal.op === '>=' ? median >= figure.goal.value : median <= figure.goal.value;
}

export function formatFigure(figure: Figure): string {
  const s = summarize(figure.values);
  const d = figure.digits ?? 2;
  const goal = figure.goal ? `${figure.goal.op} ${figure.goal.value}` : '';
  const verdict = meets(figure) === undefined ? '' : meets(figure) ? 'met' : 'MISSED';
  return `| ${figure.name} | ${s.min.toFixed(d)} / ${s.median.toFixed(d)} / ${s.max.toFixed(d)} | ${goal} | ${verdict} | ${figure.note ?? ''} |`;
}

export function table(figures: readonly Figure[]): string {
  return ['| figure | min / median / max | goal (median) | | note |', '|---|---|---|---|---|', ...figures.map(formatFigure)].join('\n');
}

/** Calls `fn` repeatedly for about `ms` milliseconds; returns operations per second. */
export function opsPerSecond(fn: (i: number) => unknown, ms: number): number {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let k = 0; k < 64; k++) fn(n++);
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** Number of rounds from `BENCH_ROUNDS`, else `fallback`. */
export function rounds(fallback: number): number {
  const value = Number(process.env.BENCH_ROUNDS);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
