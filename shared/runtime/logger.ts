import { printableJson } from './printable.ts';
import { maskSecrets, redact } from './redact.ts';

export { registerSecret, registerTemporarySecret, maskSecrets, isSensitiveKey, REDACTED } from './redact.ts';

/**
 * JSON-lines logger: one line per event, `{ level, time, function, requestId, message, ...fields }`,
 * written to stderr or an injected sink. Everything passes through `redact`: sensitive field names become
 * "[redacted]", registered secrets are masked anywhere in a string, errors keep name and message only.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSink = (line: string) => void;
export type LogFields = Readonly<Record<string, unknown>>;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const RESERVED = new Set(['level', 'time', 'function', 'requestId', 'message']);

export interface LoggerOptions {
  /** The function name written on every line. */
  function: string;
  requestId?: string;
  /** Receives each line without a trailing newline. Default: stderr. */
  sink?: LogSink;
  /** Lines below this level are dropped. Default "info". */
  level?: LogLevel;
  /** Include (masked) stacks for errors. Default false. */
  includeStack?: boolean;
  /** Fields added to every line. */
  fields?: LogFields;
  clock?: () => Date;
}

export interface Logger {
  readonly level: LogLevel;
  debug(message: string, fields?: LogFields | Error): void;
  info(message: string, fields?: LogFields | Error): void;
  warn(message: string, fields?: LogFields | Error): void;
  error(message: string, fields?: LogFields | Error): void;
  /** A logger with more bound fields; `requestId` replaces the bound request id. */
  child(bindings: { requestId?: string } & LogFields): Logger;
}

export const stderrSink: LogSink = (line) => {
  process.stderr.write(`${line}\n`);
};

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  const sink = options.sink ?? stderrSink;
  const clock = options.clock ?? (() => new Date());
  const bound = options.fields ?? {};

  const write = (lineLevel: LogLevel, message: string, fields?: LogFields | Error): void => {
    if (LEVELS[lineLevel] < LEVELS[level]) return;
    const extra: LogFields = fields instanceof Error ? { error: fields } : (fields ?? {});
    const safe = redact({ ...bound, ...extra }, { includeStack: options.includeStack ?? false }) as Record<string, unknown>;
    const line: Record<string, unknown> = {
      level: lineLevel,
      time: clock().toISOString(),
      function: options.function,
      requestId: options.requestId === undefined ? undefined : maskSecrets(options.requestId),
      message: maskSecrets(message),
    };
    for (const [key, value] of Object.entries(safe)) line[RESERVED.has(key) ? `field_${key}` : key] = value;
    try {
      // Final pass catches a secret that only appears once values are joined into the line; JSON escapes C0
      // controls itself, printableJson the rest (DEL, C1, bidi overrides) that would reach a terminal raw.
      sink(printableJson(maskSecrets(JSON.stringify(line))));
    } catch {
      // Logging must never break the function.
    }
  };

  return {
    level,
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: ({ requestId, ...more }) =>
      createLogger({ ...options, requestId: requestId ?? options.requestId, fields: { ...bound, ...more } }),
  };
}
