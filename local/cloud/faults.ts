import { z } from 'zod';

/** Failures the local cloud injects into API calls (never into `/__admin`). */
export type TransportFaultKind = '429' | '500' | '502' | '503' | '504' | 'reset';

/**
 * Hostile answers: what a broken gateway or a changed API might send back.
 * - `malformed-json`: 200 with a body that is not JSON (cut off mid-object);
 * - `error-200`: 200 carrying an error body `{"error":{"error_code","error_msg"}}`;
 * - `empty-200`: 200 with `{}` (every field missing);
 * - `odd-4xx`: 400 with an HTML body, no error code;
 * - `missing-fields`: the real answer, with every object below the top level emptied (`keys: [{}, {}]`);
 * - `unexpected-state`: the real answer, with every `key_state` / `state` / `status` set to a value no
 *   document lists ("99" / "UNKNOWN");
 * - `wrong-types`: the real answer with every value below the top level of another type than documented: a
 *   string becomes a one-element array of itself, a number the string "<n> items", a boolean "yes";
 * - `missing-pagination` (listings only): the real page without its pagination fields: every top-level field
 *   but the item arrays goes (ListKeys `truncated`/`next_marker`/`total`, ListKmsByTags `total_count`, CSMS
 *   `page_info`, CSBS `count`);
 * - `repeated-cursor` (listings only): a page asked for with a cursor (`marker` or `offset`) is answered as if
 *   asked without one: the first page again, whose next cursor is one the caller already used;
 * - `truncated-page` (listings only): the page cut short, its last third of items dropped (at least one item
 *   kept), every other field (cursors, `truncated`, totals, `current_count`) as computed for the whole page.
 * All but the first four rewrite (or re-ask) the real answer, so the call is always handled, whatever `when`
 * says. A server that pages by fewer items than asked, honestly, is the `pageCap` variant (./variants.ts).
 */
export type HostileKind =
  | 'malformed-json'
  | 'error-200'
  | 'empty-200'
  | 'odd-4xx'
  | 'missing-fields'
  | 'unexpected-state'
  | 'wrong-types'
  | 'missing-pagination'
  | 'repeated-cursor'
  | 'truncated-page';
export type FaultKind = TransportFaultKind | HostileKind;
export const HOSTILE_KINDS: readonly HostileKind[] = [
  'malformed-json',
  'error-200',
  'empty-200',
  'odd-4xx',
  'missing-fields',
  'unexpected-state',
  'wrong-types',
  'missing-pagination',
  'repeated-cursor',
  'truncated-page',
];
/** Hostile kinds about pages: drawn only for listing calls (for any other call their share draws no fault). */
export const PAGINATION_KINDS: ReadonlySet<HostileKind> = new Set(['missing-pagination', 'repeated-cursor', 'truncated-page']);

export interface FaultConfig {
  /** Added to every matching call before it is handled. */
  latencyMs?: number;
  /** Seeds the PRNG so the same sequence of calls meets the same faults. Random when absent. */
  seed?: number;
  /** Probability (0–1) of each fault per matching call; they add up to at most 1. */
  rate?: Partial<Record<FaultKind, number>>;
  /**
   * `before` (default): fail instead of handling the call. `after`: handle it (state changes, traces are
   * recorded) and then fail, like a response lost on the way back. `both`: either, at random.
   */
  when?: 'before' | 'after' | 'both';
  /** Only these operations (e.g. `kms.cancelKeyDeletion`); all when absent. */
  operations?: string[];
  /** `Retry-After` seconds sent with 429. Default 1. */
  retryAfterSeconds?: number;
}

export interface FaultDecision {
  readonly kind: FaultKind;
  readonly phase: 'before' | 'after';
}

const KINDS: readonly FaultKind[] = ['429', '500', '502', '503', '504', 'reset', ...HOSTILE_KINDS];
const probability = z.number().min(0).max(1);

export const faultConfigSchema: z.ZodType<FaultConfig> = z
  .object({
    latencyMs: z.number().min(0).optional(),
    seed: z.number().int().optional(),
    rate: z
      .object({
        '429': probability.optional(),
        '500': probability.optional(),
        '502': probability.optional(),
        '503': probability.optional(),
        '504': probability.optional(),
        reset: probability.optional(),
        'malformed-json': probability.optional(),
        'error-200': probability.optional(),
        'empty-200': probability.optional(),
        'odd-4xx': probability.optional(),
        'missing-fields': probability.optional(),
        'unexpected-state': probability.optional(),
        'wrong-types': probability.optional(),
        'missing-pagination': probability.optional(),
        'repeated-cursor': probability.optional(),
        'truncated-page': probability.optional(),
      })
      .strict()
      .optional(),
    when: z.enum(['before', 'after', 'both']).optional(),
    operations: z.array(z.string()).optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
  })
  .strict()
  .refine((config) => KINDS.reduce((sum, kind) => sum + (config.rate?.[kind] ?? 0), 0) <= 1 + 1e-9, {
    message: 'fault rates add up to more than 1',
  });

export function parseFaultConfig(value: unknown): FaultConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = faultConfigSchema.safeParse(value);
  if (!parsed.success) throw new Error(`invalid fault config:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function isHostile(kind: FaultKind): kind is HostileKind {
  return (HOSTILE_KINDS as readonly string[]).includes(kind);
}

/** Hostile kinds that rewrite (or re-ask) the real answer: the call is handled. */
export function rewritesAnswer(kind: FaultKind): kind is HostileKind {
  return isHostile(kind) && !['malformed-json', 'error-200', 'empty-200', 'odd-4xx'].includes(kind);
}

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; returns numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private current: FaultConfig | undefined;
  private operations: ReadonlySet<string> | undefined;
  private random: () => number = Math.random;
  /** Faults injected so far, in total and by kind (kept across `set`). */
  readonly injected: { total: number; byKind: Partial<Record<FaultKind, number>> } = { total: 0, byKind: {} };

  constructor(config?: FaultConfig) {
    this.set(config);
  }

  get config(): FaultConfig | undefined {
    return this.current;
  }

  get retryAfterSeconds(): number {
    return this.current?.retryAfterSeconds ?? 1;
  }

  /** Replaces the configuration and restarts the PRNG from its seed. */
  set(config: FaultConfig | undefined): void {
    this.current = config && Object.keys(config).length > 0 ? config : undefined;
    this.operations = config?.operations ? new Set(config.operations) : undefined;
    this.random = mulberry32(config?.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  latencyFor(operation: string): number {
    if (!this.current?.latencyMs || !this.applies(operation)) return 0;
    return this.current.latencyMs;
  }

  /**
   * Draws from the PRNG only for calls the configuration applies to, so filtered-out calls don't shift it. A
   * draw that lands on a pagination kind for a call that lists nothing is no fault.
   */
  decide(operation: string, listing = false): FaultDecision | undefined {
    const rate = this.current?.rate;
    if (!rate || !this.applies(operation)) return undefined;
    const draw = this.random();
    let threshold = 0;
    for (const kind of KINDS) {
      threshold += rate[kind] ?? 0;
      if (draw < threshold) {
        if (!listing && isHostile(kind) && PAGINATION_KINDS.has(kind)) return undefined;
        this.injected.total++;
        this.injected.byKind[kind] = (this.injected.byKind[kind] ?? 0) + 1;
        return { kind, phase: this.phase() };
      }
    }
    return undefined;
  }

  private phase(): 'before' | 'after' {
    const when = this.current?.when ?? 'before';
    if (when !== 'both') return when;
    return this.random() < 0.5 ? 'before' : 'after';
  }

  private applies(operation: string): boolean {
    return this.operations === undefined || this.operations.has(operation);
  }
}

const ODD_STATES: Readonly<Record<string, string>> = { key_state: '99', state: 'UNKNOWN', status: 'UNKNOWN', trigger_status: 'UNKNOWN' };

/** The real answer as a `rewritesAnswer` kind returns it (`repeated-cursor` re-asks instead: unchanged here). */
export function rewriteAnswer(kind: HostileKind, body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  if (Array.isArray(body)) {
    // A bare-array answer (FunctionGraph's ListFunctionTriggers): its items rewritten, no pagination to lose.
    if (kind === 'missing-fields') return body.map(emptied);
    if (kind === 'unexpected-state') return oddStates(body);
    if (kind === 'wrong-types') return retyped(body);
    return body;
  }
  const top = Object.entries(body);
  switch (kind) {
    case 'missing-fields':
      return Object.fromEntries(top.map(([key, value]) => [key, emptied(value)]));
    case 'unexpected-state':
      return oddStates(body);
    case 'wrong-types':
      return retyped(body);
    case 'missing-pagination':
      return Object.fromEntries(top.filter(([, value]) => Array.isArray(value)));
    case 'truncated-page':
      return Object.fromEntries(top.map(([key, value]) => [key, Array.isArray(value) && value.length > 1 ? value.slice(0, value.length - Math.ceil(value.length / 3)) : value]));
    default:
      return body;
  }
}

function emptied(value: unknown): unknown {
  return Array.isArray(value) ? value.map(emptied) : typeof value === 'object' && value !== null ? {} : value;
}

function oddStates(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(oddStates);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, Object.hasOwn(ODD_STATES, key) ? ODD_STATES[key] : oddStates(item)]));
}

/** Every scalar of another type: a string in a one-element array, a number as "<n> items", a boolean as "yes". */
function retyped(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(retyped);
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return `${value} items`;
  if (typeof value === 'boolean') return 'yes';
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, retyped(item)]));
}
