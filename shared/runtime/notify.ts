import type { HuaweiCloud } from '../hwc/index.ts';
import { SMN_MAX_MESSAGE_BYTES, SMN_MAX_SUBJECT_BYTES } from '../hwc/smn.ts';
import type { Policy } from '../policy.ts';
import type { Logger } from './logger.ts';
import { printable } from './printable.ts';
import { maskSecrets } from './redact.ts';
import type { FunctionReport, ReportAction } from './report.ts';

/**
 * The SMN summary of a run: a subject with the counts, and one line per action, failures first. A run with more
 * actions than SMN takes in one message is shortened by whole lines to fit, ending "… and N more": never dropped.
 */

/** One line never takes more than this, so a single huge reason cannot push every other action out. */
const MAX_LINE_CHARS = 2_000;

export interface Summary {
  readonly subject: string;
  readonly message: string;
  /** Actions the message lists; the rest are counted in its last line. */
  readonly listed: number;
}

/** Publishes a summary to SMN when a topic is configured and there is something to say. */
export async function notify(cloud: HuaweiCloud, policy: Policy, report: FunctionReport, log: Logger): Promise<void> {
  if (!policy.smnTopicUrn || report.actions.length === 0) return;
  const { subject, message, listed } = summarize(report);
  if (listed < report.actions.length) log.info('SMN summary shortened to fit', { listed, actions: report.actions.length });
  try {
    await cloud.smn.publishMessage({ topic_urn: policy.smnTopicUrn, subject, message });
  } catch (error) {
    log.warn('notification failed; the work stands', { error: error instanceof Error ? error : String(error) });
  }
}

/** The subject and message for `report`, within `maxBytes` (UTF-8) and SMN's subject limit. */
export function summarize(report: FunctionReport, maxBytes: number = SMN_MAX_MESSAGE_BYTES): Summary {
  const { counts } = report;
  const name = printable(report.function);
  const subject = fitBytes(`hwc-warden ${name}: ${counts.applied} applied, ${counts.planned} planned, ${counts.failed} failed`, SMN_MAX_SUBJECT_BYTES);
  const head = maskSecrets(`${name} (${printable(report.trigger)}${report.dryRun ? ', dry run' : ''})`);
  const ordered = [...report.actions.filter((a) => a.status === 'failed'), ...report.actions.filter((a) => a.status !== 'failed')];
  const lines = ordered.map(lineOf);
  const total = lines.length;
  // Room kept for the closing line at its longest (the most actions that could be left out).
  const closing = (more: number) => `… and ${more.toLocaleString('en-US')} more (every action is in the function's log)`;
  const reserve = bytes(closing(total)) + 1;
  const kept = [head];
  let used = bytes(head);
  let listed = 0;
  for (const line of lines) {
    const cost = 1 + bytes(line);
    const rest = listed + 1 === total ? 0 : reserve;
    if (used + cost + rest > maxBytes) break;
    kept.push(line);
    used += cost;
    listed++;
  }
  if (listed < total) kept.push(closing(total - listed));
  return { subject, message: kept.join('\n'), listed };
}

function lineOf(action: ReportAction): string {
  const reason = action.reason ? ` (${printable(action.reason)})` : '';
  const line = maskSecrets(`${action.status} ${printable(action.kind)} ${printable(action.target)}${reason}`);
  if (line.length <= MAX_LINE_CHARS) return line;
  let end = MAX_LINE_CHARS - 1;
  if (/[\udc00-\udfff]/.test(line.charAt(end))) end--; // not between the halves of a surrogate pair
  return `${line.slice(0, end)}…`;
}

const bytes = (text: string): number => Buffer.byteLength(text);

/** `text`, cut at a character boundary to at most `max` UTF-8 bytes. */
function fitBytes(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  let out = '';
  for (const char of text) {
    if (bytes(out) + bytes(char) + 3 > max) break;
    out += char;
  }
  return `${out}…`;
}
