import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadServerless } from '../deploy/serverless.ts';
import { parseCommand } from './options.ts';

/**
 * `warden events <function> <trigger> [--out file]`: a sample event of one of a function's triggers (the files
 * in events/<function>/), ready for `warden invoke --event`. Only triggers serverless.yml declares are offered.
 */
export function eventsCommand(root: string, argv: readonly string[]): number {
  const { values, positionals } = parseCommand('events', argv, { out: { type: 'string' } }, true);
  const [name, trigger, ...extra] = positionals;
  if (extra.length > 0) throw new Error(`unexpected argument ${JSON.stringify(extra[0])}; usage: warden events <function> <trigger> [--out file]`);
  const service = loadServerless(join(root, 'serverless.yml'));
  const functions = Object.keys(service.functions);
  if (name === undefined) {
    for (const fn of functions) process.stdout.write(`${fn.padEnd(22)} ${samplesOf(root, fn).join(', ')}\n`);
    return 0;
  }
  if (!functions.includes(name)) throw new Error(`unknown function ${JSON.stringify(name)}; serverless.yml declares: ${functions.join(', ')}`);
  const samples = samplesOf(root, name);
  if (trigger === undefined) {
    process.stdout.write(`${samples.join('\n')}\n`);
    return 0;
  }
  if (!samples.includes(trigger.toLowerCase())) throw new Error(`${name} has no ${JSON.stringify(trigger)} trigger; its triggers: ${samples.join(', ')}`);
  const text = readFileSync(join(root, 'events', name, `${trigger.toLowerCase()}.json`), 'utf8');
  const out = values['out'] as string | undefined;
  if (out === undefined) {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  } else {
    writeFileSync(out, text);
    process.stderr.write(`wrote ${out}: npx warden invoke ${name} --event ${out} --local\n`);
  }
  return 0;
}

/** The triggers of a function that have a sample, in serverless.yml's order: `timer`, `apig`, `cts`. */
function samplesOf(root: string, name: string): string[] {
  const service = loadServerless(join(root, 'serverless.yml'));
  const dir = join(root, 'events', name);
  const files = existsSync(dir) ? readdirSync(dir) : [];
  const declared = [...new Set(service.functions[name]!.events.map((trigger) => trigger.triggerTypeCode.toLowerCase()))];
  return declared.filter((trigger) => files.includes(`${trigger}.json`));
}
