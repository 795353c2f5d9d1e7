import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { closest } from '../deploy/suggest.ts';

/**
 * Command-line options of one `warden` command, read strictly: an unknown option, a missing value or a stray
 * argument is answered in our words, naming the command's options (node's parseArgs errors talk about its own
 * internals: "To specify a positional argument starting with a '-', place it at the end …").
 */

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<T extends OptionSpecs> {
  readonly values: { readonly [K in keyof T]?: T[K]['type'] extends 'string' ? string : boolean };
  readonly positionals: string[];
}

export function parseCommand<const T extends OptionSpecs>(command: string, argv: readonly string[], options: T, allowPositionals = false): Parsed<T> {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals, strict: true });
    return { values: values as Parsed<T>['values'], positionals };
  } catch (error) {
    throw new Error(explain(command, options, error));
  }
}

/** `--event <file|->, --dry-run, …`: the options a command takes, for its messages. */
export function describeOptions(options: OptionSpecs): string {
  return Object.entries(options)
    .map(([name, spec]) => (spec.type === 'string' ? `--${name} <value>` : `--${name}`))
    .join(', ');
}

function explain(command: string, options: OptionSpecs, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const takes = Object.keys(options).length === 0 ? `warden ${command} takes no options` : `warden ${command} takes ${describeOptions(options)}`;
  const quoted = /'(-[^' ]*)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const name = quoted ?? '(an option)';
      const suggestion = closest(name.replace(/^-+/, ''), Object.keys(options));
      return `unknown option ${name}${suggestion ? ` (did you mean --${suggestion}?)` : ''}; ${takes} (warden ${command} --help)`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(message)
        ? `option ${quoted ?? ''} needs a value; ${takes}`
        : `option ${quoted ?? ''} takes no value (write it alone, e.g. ${quoted ?? ''}); ${takes}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}; ${takes} (warden ${command} --help)`;
    default:
      return message;
  }
}
