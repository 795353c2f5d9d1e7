import { printable, printableJson } from '../shared/runtime/printable.ts';
import { invoke, readEvent } from './invoke.ts';
import { parseCommand } from './options.ts';

/**
 * `warden invoke <function> (--event <file|-> | --data '<json>') …`: the command line around `invoke`. Prints the
 * report (an APIG answer's report, parsed from its body, unless `--raw`), and exits 1 when the run failed or the
 * function ignored the event, saying why.
 */

const OPTIONS = {
  event: { type: 'string' },
  data: { type: 'string' },
  'dry-run': { type: 'boolean' },
  raw: { type: 'boolean' },
  local: { type: 'boolean' },
  seed: { type: 'string' },
  'user-data-from-serverless': { type: 'boolean' },
} as const;

export async function invokeCommand(root: string, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('invoke', argv, OPTIONS, true);
  const [functionName, ...extra] = positionals;
  if (!functionName || extra.length > 0) throw new Error('expected exactly one function name, e.g. warden invoke tag-new-keys --event events/tag-new-keys/cts.json');
  const file = values['event'] as string | undefined;
  const data = values['data'] as string | undefined;
  if (file !== undefined && data !== undefined) throw new Error('pass the event once: --event <file|-> or --data <json>, not both');
  if (file === undefined && data === undefined) {
    throw new Error(`--event <file|-> or --data '<json>' is required (a sample: npx warden events ${functionName}; samples are in events/<function>/)`);
  }
  if (values['seed'] && !values['local']) throw new Error('--seed only applies with --local');
  const event = data !== undefined ? parseInline(data) : readEvent(file as string);
  const { result, failed, ignored } = await invoke({
    root,
    functionName,
    event,
    dryRun: values['dry-run'] === true,
    local: values['local'] === true,
    seed: values['seed'] as string | undefined,
    userDataFromServerless: values['user-data-from-serverless'] === true,
    notice: (line) => process.stderr.write(`warden invoke: ${printable(line)}\n`),
  });
  const shown = values['raw'] ? result : reportOf(result);
  process.stdout.write(`${printableJson(JSON.stringify(shown, null, 2))}\n`);
  if (ignored !== undefined) {
    process.stderr.write(
      `warden invoke: ${functionName} did nothing with the event: ${printable(ignored)}. Pass an event of one of its triggers (npx warden events ${functionName})\n`,
    );
  }
  return failed ? 1 : 0;
}

function parseInline(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`--data is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** An APIG answer's report (its JSON body); anything else as it is. */
function reportOf(result: unknown): unknown {
  const record = result as { statusCode?: unknown; body?: unknown } | null;
  if (typeof record?.statusCode !== 'number' || typeof record.body !== 'string') return result;
  try {
    return JSON.parse(record.body);
  } catch {
    return result;
  }
}
