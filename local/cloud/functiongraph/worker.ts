import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { functionGraphContext } from '../../function-context.ts';
import type { AgencyCredentials } from '../../function-context.ts';

/**
 * The process one revision of a function runs in (./process-runner.ts forks it, bundled to CommonJS): loads the
 * handler FunctionGraph's config names (`index.handler`: file index.js, export `handler`) from the unpacked
 * code once, then runs each invocation the parent sends with a FunctionGraph context (local/function-context.ts),
 * its environment being this process's (the parent resolved it). What an invocation writes to stdout/stderr
 * is kept for its log tail; invocations may overlap, each keeps its own.
 */

export interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: number;
  readonly event: unknown;
  readonly requestId: string;
  readonly deadline: number;
  readonly credentials: AgencyCredentials | undefined;
}

export interface ResultMessage {
  readonly type: 'result';
  readonly id: number;
  /** 200: returned; 500: threw, or the handler could not be loaded. */
  readonly status: 200 | 500;
  readonly result: string;
  readonly log: string;
}

export interface WorkerSettings {
  readonly codeRoot: string;
  readonly handler: string;
  readonly functionName: string;
  readonly memorySize: number;
  readonly projectId: string;
  readonly packageName: string;
}

type Handler = (event: unknown, context: unknown) => unknown;

const LOG_TAIL_BYTES = 4096;

const settings = JSON.parse(process.argv[2] ?? '{}') as WorkerSettings;
const logs = new AsyncLocalStorage<string[]>();
/** Written while no invocation ran (loading the code): goes to the next invocation's log. */
let startupLog: string[] = [];

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    (logs.getStore() ?? startupLog).push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

let loaded: { handler: Handler } | { error: string } | undefined;

function load(): { handler: Handler } | { error: string } {
  const dot = settings.handler.lastIndexOf('.');
  const file = `${settings.handler.slice(0, dot)}.js`;
  const exported = settings.handler.slice(dot + 1);
  const path = join(settings.codeRoot, file);
  if (dot <= 0 || exported === '' || !path.startsWith(settings.codeRoot + sep)) return { error: `the handler ${JSON.stringify(settings.handler)} is not <file>.<export>` };
  if (!existsSync(path)) return { error: `the code has no ${file} (handler ${settings.handler})` };
  let module: Record<string, unknown>;
  try {
    module = require(path) as Record<string, unknown>;
  } catch (error) {
    return { error: `${file} failed to load: ${describe(error)}` };
  }
  const handler = module[exported];
  if (typeof handler !== 'function') {
    const exports = Object.keys(module).filter((name) => typeof module[name] === 'function');
    return { error: `${file} exports no function ${exported} (handler ${settings.handler}); its functions: ${exports.join(', ') || 'none'}` };
  }
  return { handler: handler as Handler };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function errorResult(type: string, message: string, error?: unknown): string {
  const stack = error instanceof Error && error.stack ? error.stack.split('\n').slice(1, 6).map((line) => line.trim()) : [];
  return JSON.stringify({ errorType: type, errorMessage: message, stackTrace: stack });
}

function tail(lines: readonly string[]): string {
  const text = lines.join('');
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= LOG_TAIL_BYTES ? text : bytes.subarray(bytes.length - LOG_TAIL_BYTES).toString('utf8');
}

async function run(message: InvokeMessage): Promise<ResultMessage> {
  const log = startupLog;
  startupLog = [];
  return logs.run(log, async () => {
    loaded ??= load();
    if ('error' in loaded) {
      process.stderr.write(`function initialization failed: ${loaded.error}\n`);
      return { type: 'result', id: message.id, status: 500, result: errorResult('InitializationError', loaded.error), log: tail(log) };
    }
    const context = functionGraphContext({
      requestId: message.requestId,
      functionName: settings.functionName,
      deadline: message.deadline,
      environment: process.env as Record<string, string>,
      credentials: message.credentials,
      logSink: (line) => process.stdout.write(`${line}\n`),
      memorySize: settings.memorySize,
      projectId: settings.projectId,
      packageName: settings.packageName,
    });
    try {
      const value = await loaded.handler(message.event, context);
      const result = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
      return { type: 'result', id: message.id, status: 200, result, log: tail(log) };
    } catch (error) {
      process.stderr.write(`invocation failed: ${describe(error)}\n`);
      return { type: 'result', id: message.id, status: 500, result: errorResult(error instanceof Error ? error.name : 'Error', error instanceof Error ? error.message : String(error), error), log: tail(log) };
    }
  });
}

process.on('message', (message: InvokeMessage) => {
  if (message?.type !== 'invoke') return;
  void run(message).then((answer) => process.send?.(answer));
});
// An error nothing awaited: FunctionGraph's runtime logs it and the instance goes on.
process.on('unhandledRejection', (reason) => process.stderr.write(`unhandled rejection: ${describe(reason)}\n`));
// Ctrl-C reaches the whole terminal's process group: the runner, not the terminal, decides when this process ends
// (`npm start` lets running invocations finish first). Without the runner (it died) there is nothing to serve.
process.on('SIGINT', () => undefined);
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });
