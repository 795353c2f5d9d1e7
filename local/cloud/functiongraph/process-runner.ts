import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzip } from '../../../deploy/zip.ts';
import { functionEnvironment } from '../../function-context.ts';
import type { FunctionRunner, FunctionSnapshot, InvocationOutcome, InvocationRequest } from './invoke.ts';
import type { InvokeMessage, ResultMessage, WorkerSettings } from './worker.ts';

/**
 * Runs each function as FunctionGraph does: its zip unpacked into a directory of its own per revision, and one
 * warm Node.js process per revision (started at the first invocation: the cold start, once), which loads the
 * handler the config names and runs invocations as they come, several at once if they overlap. The function's
 * timeout is enforced by killing that process: the late invocation answers a timeout, any other it was running
 * fails, and the next invocation starts a fresh process. A process that dies is replaced the same way.
 *
 * The process's environment is the function's (local/function-context.ts): its user data and encrypted user data,
 * this cloud as `HUAWEICLOUD_ENDPOINT_URL` / `_REGION` / `_SDK_PROJECT_ID` (with `connection` over it when given),
 * and the operator's `WARDEN_*` overrides when given. Credentials come from the function's agency through the
 * context, per invocation, unless `connection` carries keys (`warden invoke` against a real project).
 */

export interface ProcessRunnerOptions {
  /** The operator's environment, whose `WARDEN_*` variables override the functions' user data (`npm start`). */
  readonly operatorEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * `HUAWEICLOUD_*` settings over each function's connection (`warden invoke` against a real project: the
   * operator's region, project, credentials and endpoint overrides). Default: the snapshot's connection alone.
   */
  readonly connection?: Readonly<Record<string, string | undefined>>;
  /** Process settings a function needs to reach its cloud, e.g. `NODE_EXTRA_CA_CERTS` for a private CA. */
  readonly processEnv?: Readonly<Record<string, string>>;
  /** Receives what the functions write (stdout and stderr), line by line. Default: nowhere. */
  readonly logSink?: (line: string, fn: string) => void;
  /** Where the revisions are unpacked. Default: the system's temporary directory. */
  readonly workDir?: string;
}

interface Pending {
  readonly resolve: (outcome: InvocationOutcome) => void;
  readonly timer: NodeJS.Timeout;
}

interface Instance {
  readonly snapshot: FunctionSnapshot;
  readonly dir: string;
  /** Why the code cannot run (not a zip, an unsafe path): every invocation fails naming it. */
  readonly broken: string | undefined;
  process: ChildProcess | undefined;
  /** The process being started: invocations that arrive meanwhile wait for it rather than start another. */
  spawning: Promise<ChildProcess> | undefined;
  readonly pending: Map<number, Pending>;
  /** The end of what the process wrote, for when it dies. */
  stderrTail: string;
}

const WORKER_SOURCE = fileURLToPath(new URL('./worker.ts', import.meta.url));

export class ProcessRunner implements FunctionRunner {
  private readonly instances = new Map<string, Instance>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: ProcessRunnerOptions = {}) {}

  async start(fn: FunctionSnapshot): Promise<void> {
    if (this.closed) throw new Error(`${fn.func_name}: the runner is closed`);
    await this.stop(fn.func_urn);
    const root = this.options.workDir ?? tmpdir();
    mkdirSync(root, { recursive: true });
    const dir = mkdtempSync(join(root, 'warden-fn-'));
    let broken: string | undefined;
    try {
      unpack(fn, dir);
    } catch (error) {
      broken = error instanceof Error ? error.message : String(error);
    }
    this.instances.set(fn.func_urn, { snapshot: fn, dir, broken, process: undefined, spawning: undefined, pending: new Map(), stderrTail: '' });
  }

  async invoke(fn: FunctionSnapshot, request: InvocationRequest): Promise<InvocationOutcome> {
    const instance = this.instances.get(fn.func_urn);
    if (!instance || instance.snapshot.revision !== fn.revision) throw new Error(`${fn.func_name}: this revision was not started`);
    if (instance.broken) return failure('InitializationError', `the code cannot be unpacked: ${instance.broken}`);
    const child =
      instance.process ??
      (await (instance.spawning ??= this.spawn(instance).finally(() => {
        instance.spawning = undefined;
      })));
    const id = this.nextId++;
    const timeoutMs = fn.timeout * 1000;
    const message: InvokeMessage = { type: 'invoke', id, event: request.event, requestId: request.requestId, deadline: Date.now() + timeoutMs, credentials: request.credentials };
    return new Promise<InvocationOutcome>((resolve) => {
      const timer = setTimeout(() => {
        instance.pending.delete(id);
        resolve({ status: 408, result: `the function ran longer than its timeout (${fn.timeout} s) and was stopped`, log: '' });
        this.kill(instance, `another invocation of ${fn.func_name} ran past its timeout; its process was stopped`);
      }, timeoutMs);
      instance.pending.set(id, { resolve, timer });
      child.send(message, (error) => {
        if (!error) return;
        clearTimeout(timer);
        instance.pending.delete(id);
        resolve(failure('RuntimeError', `the function's process could not be reached: ${error.message}`));
      });
    });
  }

  async stop(funcUrn: string): Promise<void> {
    const instance = this.instances.get(funcUrn);
    if (!instance) return;
    this.instances.delete(funcUrn);
    // A process being started is killed here if already forked; if not, spawn sees the instance gone and forks none.
    this.kill(instance, 'the function was updated or deleted while this invocation ran');
    rmSync(instance.dir, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.instances.keys()].map((urn) => this.stop(urn)));
  }

  private async spawn(instance: Instance): Promise<ChildProcess> {
    const { snapshot: fn, dir } = instance;
    const settings: WorkerSettings = { codeRoot: dir, handler: fn.handler, functionName: fn.func_name, memorySize: fn.memory_size, projectId: fn.project_id, packageName: fn.package };
    const env = functionEnvironment({
      userData: { ...fn.user_data, ...fn.encrypted_user_data },
      connection: {
        ...(fn.connection.endpoint === '' ? {} : { HUAWEICLOUD_ENDPOINT_URL: fn.connection.endpoint }),
        HUAWEICLOUD_REGION: fn.connection.region,
        HUAWEICLOUD_SDK_PROJECT_ID: fn.project_id,
        ...this.options.connection,
      },
      operator: this.options.operatorEnv,
    });
    const script = await workerScript();
    // Stopped (the function changed, or the runner closed) while the worker script was being made: no process.
    if (this.instances.get(fn.func_urn) !== instance) throw new Error(`${fn.func_name} was updated or deleted while it started`);
    const child = fork(script, [JSON.stringify(settings)], {
      cwd: dir,
      env: { ...this.options.processEnv, ...env },
      // Plain Node, whatever loaders the cloud itself runs under (tsx, vitest).
      execArgv: [`--max-old-space-size=${Math.max(64, Math.floor(fn.memory_size * 0.8))}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    instance.process = child;
    const sink = this.options.logSink;
    const forward = (chunk: Buffer, isError: boolean) => {
      const text = chunk.toString('utf8');
      if (isError) instance.stderrTail = (instance.stderrTail + text).slice(-2000);
      if (sink) for (const line of text.split('\n')) if (line !== '') sink(line, fn.func_name);
    };
    child.stdout?.on('data', (chunk: Buffer) => forward(chunk, false));
    child.stderr?.on('data', (chunk: Buffer) => forward(chunk, true));
    child.on('message', (message: ResultMessage) => {
      if (message?.type !== 'result') return;
      const pending = instance.pending.get(message.id);
      if (!pending) return;
      clearTimeout(pending.timer);
      instance.pending.delete(message.id);
      pending.resolve({ status: message.status, result: message.result, log: message.log });
    });
    child.on('exit', (code, signal) => {
      if (instance.process === child) instance.process = undefined;
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      this.failPending(instance, `the function's process ended (${how})${instance.stderrTail ? `: ${instance.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    });
    await new Promise<void>((resolve, reject) => {
      const onReady = (message: { type?: string }) => {
        if (message?.type !== 'ready') return;
        child.off('message', onReady);
        child.off('exit', onExit);
        resolve();
      };
      const onExit = () => reject(new Error(`the function's process ended before it was ready: ${instance.stderrTail.trim() || 'no output'}`));
      child.on('message', onReady);
      child.once('exit', onExit);
    });
    return child;
  }

  private kill(instance: Instance, reason: string): void {
    const child = instance.process;
    instance.process = undefined;
    this.failPending(instance, reason);
    child?.kill('SIGKILL');
  }

  private failPending(instance: Instance, reason: string): void {
    for (const [id, pending] of instance.pending) {
      clearTimeout(pending.timer);
      instance.pending.delete(id);
      pending.resolve(failure('RuntimeError', reason));
    }
  }
}

function failure(errorType: string, errorMessage: string): InvocationOutcome {
  return { status: 500, result: JSON.stringify({ errorType, errorMessage }), log: '' };
}

/** Writes the function's code into `dir`, refusing what FunctionGraph could not run or what would land outside. */
function unpack(fn: FunctionSnapshot, dir: string): void {
  if (fn.code.code_type !== 'zip') throw new Error(`code_type ${fn.code.code_type} is not run here (zip only)`);
  for (const entry of unzip(fn.code.file)) {
    if (entry.name.endsWith('/')) continue;
    const path = normalize(entry.name);
    if (isAbsolute(path) || path === '..' || path.startsWith(`..${sep}`)) throw new Error(`the zip entry ${JSON.stringify(entry.name)} lies outside the code's directory`);
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entry.data);
  }
}

let worker: Promise<string> | undefined;

/** worker.ts bundled to one CommonJS file (once per process), so that it runs on plain Node. */
function workerScript(): Promise<string> {
  worker ??= (async () => {
    const { build } = await import('esbuild');
    const result = await build({ entryPoints: [WORKER_SOURCE], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
    const code = (result.outputFiles[0] as { contents: Uint8Array }).contents;
    const path = join(tmpdir(), `warden-fn-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.cjs`);
    // Written whole, then renamed: another process forking the same file never sees half of it.
    writeFileSync(`${path}.${process.pid}`, code);
    renameSync(`${path}.${process.pid}`, path);
    return path;
  })();
  return worker;
}
