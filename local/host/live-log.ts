import { printable } from '../../shared/runtime/printable.ts';
import type { HostEvent, HostListener, InvocationRecord } from './journal.ts';

/**
 * The human-readable log `warden start` prints: for each finished invocation, a line saying what fired it,
 * one line per action, and a summary; and a line for each skipped timer tick or dropped trace.
 *
 *   12:00:01 tag-new-keys        cts    KMS:cmk:createKey app/new by warden-demo
 *   12:00:01 tag-new-keys        cts      applied  tag       app/new (3f2a0c1e…)  created-by=warden-demo
 *   12:00:01 tag-new-keys        cts    ✔ ok: 2 applied in 41 ms
 *
 * Every text that came from the cloud or a caller (aliases, event names, trace sources, reasons, notes) is
 * shown with its control characters escaped (`printable`): no ANSI escape, CR or bidi override reaches the terminal.
 */

export interface LiveLogOptions {
  readonly write: (text: string) => void;
  readonly color?: boolean;
  /** Width of the function column. */
  readonly nameWidth?: number;
  /** Actions listed per run; the rest are counted. Default 25. */
  readonly maxActions?: number;
  /** A readable name for a target the report gives by id (a key's alias, a server's name). */
  readonly label?: (target: string) => string | undefined;
}

const CODES = { reset: '\u001b[0m', dim: '\u001b[2m', bold: '\u001b[1m', red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m', blue: '\u001b[34m', magenta: '\u001b[35m', cyan: '\u001b[36m' } as const;
type Colour = keyof typeof CODES;

const STATUS_COLOUR: Record<string, Colour> = { applied: 'green', planned: 'cyan', skipped: 'dim', deferred: 'yellow', failed: 'red' };
const OUTCOME: Record<string, { mark: string; colour: Colour }> = {
  ok: { mark: '✔', colour: 'green' },
  failed: { mark: '✖', colour: 'red' },
  error: { mark: '✖', colour: 'red' },
  timeout: { mark: '✖', colour: 'red' },
  rejected: { mark: '⊘', colour: 'yellow' },
  ignored: { mark: '·', colour: 'dim' },
  running: { mark: '…', colour: 'blue' },
};

export function liveLog(options: LiveLogOptions): HostListener {
  const paint = (colour: Colour, text: string) => (options.color ? `${CODES[colour]}${text}${CODES.reset}` : text);
  const width = options.nameWidth ?? 20;
  const maxActions = options.maxActions ?? 25;
  const prefix = (at: string, fn: string, trigger: string) =>
    `${paint('dim', clock(at))} ${paint('bold', printable(fn).padEnd(width))} ${paint('magenta', printable(trigger).padEnd(5))}`;

  return (event: HostEvent) => {
    if (event.type === 'started') return;
    if (event.type === 'skipped') {
      options.write(`${prefix(new Date().toISOString(), event.function, event.trigger)}  ${paint('yellow', '⏭')} ${printable(event.source)}: ${printable(event.reason)}\n`);
      return;
    }
    const target = (id: string) => {
      const label = options.label?.(id);
      return label === undefined ? printable(id) : `${printable(label)} ${paint('dim', `(${printable(id.slice(0, 8))}…)`)}`;
    };
    options.write(formatRecord(event.record, { prefix, paint, target }, maxActions));
  };
}

interface Format {
  prefix(at: string, fn: string, trigger: string): string;
  paint(colour: Colour, text: string): string;
  target(id: string): string;
}

function formatRecord(record: InvocationRecord, { prefix, paint, target }: Format, maxActions: number): string {
  const at = new Date(Date.parse(record.started) + (record.durationMs ?? 0)).toISOString();
  const head = prefix(at, record.function, record.trigger);
  const outcome = OUTCOME[record.outcome] ?? { mark: '?', colour: 'dim' as Colour };
  const took = record.durationMs === undefined ? '' : ` in ${record.durationMs} ms`;
  const status = record.statusCode ? ` ${record.statusCode}` : '';
  const dry = record.dryRun ? paint('cyan', ' (dry run)') : '';
  const source = printable(record.source);

  if (record.actions.length === 0) {
    const note = record.note ? `: ${printable(record.note)}` : record.outcome === 'ok' ? ': nothing to do' : '';
    return `${head}  ${source}  ${paint(outcome.colour, `${outcome.mark} ${record.outcome}${status}${note}`)}${dry}${paint('dim', took)}\n`;
  }
  const lines = [`${head}  ${source}${dry}`];
  const shown = record.actions.slice(0, maxActions).map((action) => ({ ...action, kind: printable(action.kind) }));
  const kindWidth = Math.min(18, Math.max(...shown.map((action) => action.kind.length)));
  for (const action of shown) {
    const colour = STATUS_COLOUR[action.status] ?? 'dim';
    const reason = action.reason ? `  ${paint('dim', printable(action.reason))}` : '';
    lines.push(`${head}    ${paint(colour, printable(action.status).padEnd(8))} ${action.kind.padEnd(kindWidth)}  ${target(action.target)}${reason}`);
  }
  if (record.actions.length > maxActions) lines.push(`${head}    ${paint('dim', `… and ${record.actions.length - maxActions} more (see the status page)`)}`);
  const counts = Object.entries(record.counts ?? {})
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(' · ');
  lines.push(`${head}  ${paint(outcome.colour, `${outcome.mark} ${record.outcome}${status}: ${counts || 'no actions'}`)}${paint('dim', took)}`);
  return `${lines.join('\n')}\n`;
}

function clock(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
