import { join } from 'node:path';
import { deployCommand, infoCommand, removeCommand } from '../deploy/command.ts';
import type { CommandIo } from '../deploy/command.ts';
import { printable } from '../shared/runtime/printable.ts';
import { parseCommand } from './options.ts';
import { maskSecrets } from '../shared/runtime/redact.ts';

/** `warden deploy | remove | info`: the options, then deploy/command.ts. */

export const DEPLOY_USAGE = `  deploy [--region R[,R2…]] [--stage S] [--plan] [--param name=value]… [--function F]… [--prune]
                                           make FunctionGraph match serverless.yml (builds first); --plan prints
                                           the changes and writes nothing
  remove [--region R[,R2…]] [--stage S] [--plan] [--function F]…
                                           delete what deploy created for this service and stage, nothing else
  info [--region R[,R2…]] [--stage S]      what is deployed: functions, triggers, code against dist/
`;

export const DEPLOY_COMMANDS = ['deploy', 'remove', 'info'] as const;

const ROOT = join(import.meta.dirname, '..');

export async function deployCli(command: (typeof DEPLOY_COMMANDS)[number], argv: readonly string[], io: Partial<CommandIo> = {}): Promise<number> {
  const full: CommandIo = {
    env: io.env ?? process.env,
    root: io.root ?? ROOT,
    stdout: io.stdout ?? ((text) => process.stdout.write(text)),
    stderr: io.stderr ?? ((text) => process.stderr.write(text)),
    build: io.build,
  };
  try {
    const { values } = parseCommand(command, argv, {
      region: { type: 'string' },
      stage: { type: 'string' },
      ...(command !== 'info' ? { plan: { type: 'boolean' }, function: { type: 'string', multiple: true } } : {}),
      ...(command === 'deploy' ? { param: { type: 'string', multiple: true }, prune: { type: 'boolean' } } : {}),
    });
    const functions = (values['function'] as string[] | undefined)?.flatMap((f) => f.split(',').map((name) => name.trim()));
    const target = { region: values.region, stage: values.stage };
    if (command === 'deploy') {
      return await deployCommand({ ...target, plan: values.plan, params: values['param'] as string[] | undefined, functions, prune: values['prune'] as boolean | undefined }, full);
    }
    if (command === 'remove') return await removeCommand({ ...target, plan: values.plan, functions }, full);
    return await infoCommand(target, full);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    full.stderr(`warden ${command}: ${message.split('\n').map((line) => maskSecrets(printable(line))).join('\n')}\n`);
    return 1;
  }
}
