import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdminControl } from './admin.ts';
import { Identities } from './auth.ts';
import { cbrRoutes } from './cbr.ts';
import { csbsRoutes } from './csbs.ts';
import { csmsRoutes } from './csms.ts';
import { ctsRoutes, fixtureTraceOf } from './cts.ts';
import { FaultInjector, parseFaultConfig } from './faults.ts';
import { FunctionInvoker, InvocationJournal, functiongraphRoutes } from './functiongraph/index.ts';
import type { FunctionRunner, InvocationRecord } from './functiongraph/index.ts';
import { TriggerFiring } from './functiongraph/firing.ts';
import { ProcessRunner } from './functiongraph/process-runner.ts';
import type { ProcessRunnerOptions } from './functiongraph/process-runner.ts';
import type { FaultConfig, FaultKind } from './faults.ts';
import type { ApiVariants } from './variants.ts';
import { defaultFixture } from './default-fixture.ts';
import { parseFixture } from './fixture.ts';
import type { Fixture } from './fixture.ts';
import { iamRoutes } from './iam.ts';
import { kmsTagRoutes } from './kms-tags.ts';
import { kmsRoutes } from './kms.ts';
import { ecsRoutes } from './ecs.ts';
import { createCloudServer } from './server.ts';
import type { CloudRuntime, CloudStats } from './server.ts';
import { smnRoutes } from './smn.ts';
import { CloudState } from './state.ts';
import { TraceBus } from './traces.ts';
import type { CtsTrace, TraceListener } from './traces.ts';

/** The embedded Huawei Cloud: KMS, CSMS, CSBS, CBR, ECS, CTS, SMN, IAM and FunctionGraph over real HTTP on one loopback origin. */

export { DEFAULT_IDS, defaultFixture } from './default-fixture.ts';
export { loadFixture, parseFixture } from './fixture.ts';
export type * from './fixture.ts';
export type { FaultConfig, FaultKind, HostileKind, TransportFaultKind } from './faults.ts';
export type { ApiVariants } from './variants.ts';
export { HOSTILE_KINDS, PAGINATION_KINDS } from './faults.ts';
export type { CtsTrace, CtsUser, TraceListener } from './traces.ts';
export { CloudState, ProjectState } from './state.ts';
export type {
  CbrBackup,
  CbrDiskBackup,
  CbrVault,
  CbrVaultResource,
  CheckpointItem,
  FgsFunction,
  FunctionCodePackage,
  FunctionTrigger,
  KmsKey,
  PublishedMessage,
  Secret,
  SecretEvent,
  Server,
  Topic,
  Volume,
  VolumeBackup,
} from './state.ts';
export type { FunctionRunner, FunctionSnapshot, InvocationOutcome, InvocationRecord, InvocationRequest, InvocationStatus, InvocationTrigger } from './functiongraph/index.ts';
export { ProcessRunner } from './functiongraph/process-runner.ts';
export type { ProcessRunnerOptions } from './functiongraph/process-runner.ts';
export { NOT_EMULATED } from './errors.ts';
export type { CloudStats } from './server.ts';
export { CSBS_PROVIDER_ID } from './csbs.ts';
export { CTS_RETENTION_MS } from './cts.ts';

export interface CloudOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default `defaultFixture()`. */
  fixture?: Fixture;
  faults?: FaultConfig;
  /** The cloud's notion of now: signature dates, token expiry, timestamps, traces. */
  clock?: () => Date;
  /** Which way to answer where the API documents leave it open (default: their most direct reading). */
  variants?: ApiVariants;
  /** Runs the functions FunctionGraph holds when invoked; without one, invocations answer 501 "not emulated yet". */
  functionRunner?: FunctionRunner;
  /**
   * Run the functions FunctionGraph holds with the default runner (a process per function: ProcessRunner), and
   * fire their triggers. Off by default: a cloud that runs no function starts nothing more.
   */
  runFunctions?: boolean | ProcessRunnerOptions;
}

/** The embedded FunctionGraph's runs (present whatever the runner; empty without one). */
export interface FunctionGraphRuns {
  /** What ran, oldest first (also `GET /__admin/functiongraph/invocations`). */
  readonly invocations: readonly InvocationRecord[];
  /** Fires the TIMER triggers due by `now` (default: the cloud's clock); resolves when those runs have finished. */
  runDueTimers(now?: Date): Promise<void>;
  /** Resolves when no invocation is running (async invocations, CTS triggers). */
  idle(): Promise<void>;
}

/** The fixture's first user: the credentials a demo or a test signs with. */
export interface DemoIdentity {
  readonly ak: string;
  readonly sk: string;
  readonly projectId: string;
  readonly domainId: string;
  readonly domainName: string;
  readonly userId: string;
  readonly userName: string;
  readonly password: string;
  readonly region: string;
}

export interface LocalCloud {
  /** e.g. `http://127.0.0.1:43121`; every service is served from this one origin. */
  readonly url: string;
  readonly port: number;
  readonly identity: DemoIdentity;
  /** The live state; inspect it from tests. */
  readonly state: CloudState;
  /** Subscribes to CTS traces (delivered after the response); returns the unsubscribe function. */
  onTrace(listener: (trace: CtsTrace) => void): () => void;
  setFaults(faults: FaultConfig | undefined): void;
  /** Answers the open questions of the API documents another way from now on (see ApiVariants). */
  setVariants(variants: ApiVariants): void;
  /** Back to the starting fixture (or to `fixture`): state, tokens, traces, messages, sequences and stats. */
  reset(fixture?: Fixture): void;
  /** API calls received (admin excluded), by operation name such as `kms.listKeys`. */
  readonly stats: CloudStats;
  readonly functionGraph: FunctionGraphRuns;
  /** Faults injected since the start (or the last reset), in total and by kind. */
  readonly faultStats: { readonly total: number; readonly byKind: Partial<Record<FaultKind, number>> };
  close(): Promise<void>;
}

export async function startCloud(options: CloudOptions = {}): Promise<LocalCloud> {
  const fixture = parseFixture(options.fixture ?? defaultFixture());
  const faults = options.faults === undefined ? undefined : parseFaultConfig(options.faults);
  const runner = options.functionRunner ?? (options.runFunctions ? new ProcessRunner(options.runFunctions === true ? {} : options.runFunctions) : undefined);
  const cloud = new Cloud(fixture, faults, options.clock ?? (() => new Date()), runner, options.clock === undefined);
  if (options.variants) cloud.setVariants(options.variants);
  await cloud.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return cloud;
}

class Cloud implements LocalCloud {
  readonly state: CloudState;
  readonly stats: CloudStats = { requests: 0, byOperation: {}, attempts: {} };
  private readonly identities: Identities;
  private readonly faults: FaultInjector;
  private readonly traces: TraceBus;
  private readonly server: HttpServer;
  private fixture: Fixture;
  private address: { host: string; port: number } = { host: '127.0.0.1', port: 0 };
  private readonly journal = new InvocationJournal();
  private readonly invoker: FunctionInvoker;
  private readonly firing: TriggerFiring;
  private timerLoop: NodeJS.Timeout | undefined;
  readonly functionGraph: FunctionGraphRuns;

  constructor(
    private readonly initialFixture: Fixture,
    faults: FaultConfig | undefined,
    clock: () => Date,
    functionRunner: FunctionRunner | undefined,
    realTime: boolean,
  ) {
    this.fixture = initialFixture;
    this.state = new CloudState(initialFixture);
    this.identities = new Identities(initialFixture);
    this.faults = new FaultInjector(faults);
    this.traces = new TraceBus(this.state.traces);
    this.invoker = new FunctionInvoker(functionRunner, {
      journal: this.journal,
      endpoint: () => this.url,
      region: () => this.state.region,
      now: clock,
      credentialsFor: (fn, ttlMs) => {
        if (fn.xrole === '') return undefined;
        const issued = this.identities.issueAgencyCredentials(fn.domain_id, fn.xrole, clock(), ttlMs);
        return issued && { accessKey: issued.ak, secretKey: issued.sk, securityToken: issued.securityToken };
      },
    });
    this.firing = new TriggerFiring(this.state, this.invoker, this.identities, clock);
    const journal = this.journal;
    const firing = this.firing;
    const invoker = this.invoker;
    this.functionGraph = {
      get invocations() {
        return journal.records;
      },
      runDueTimers: (now) => (invoker.runs ? firing.runDueTimers(now) : Promise.resolve()),
      idle: () => invoker.idle(),
    };
    if (functionRunner) {
      this.traces.subscribe((trace) => this.firing.onTrace(trace));
      // Real time: TIMER triggers are checked every second. With an injected clock, whoever moves it fires them.
      if (realTime) {
        this.timerLoop = setInterval(() => void this.firing.runDueTimers(), 1000);
        this.timerLoop.unref();
      }
    }
    const runtime: CloudRuntime = {
      state: this.state,
      identities: this.identities,
      faults: this.faults,
      traces: this.traces,
      stats: this.stats,
      clock,
      admin: this.adminControl(),
      apig: functionRunner ? (req, res, requestId) => this.firing.serveApig(req, res, requestId) : undefined,
    };
    this.server = createCloudServer(runtime, [
      ...kmsRoutes,
      ...kmsTagRoutes,
      ...csmsRoutes,
      ...csbsRoutes,
      ...ctsRoutes,
      ...cbrRoutes,
      ...ecsRoutes,
      ...smnRoutes,
      ...iamRoutes,
      ...functiongraphRoutes(this.invoker),
    ]);
  }

  get url(): string {
    const host = this.address.host.includes(':') ? `[${this.address.host}]` : this.address.host;
    return `http://${host}:${this.address.port}`;
  }

  get port(): number {
    return this.address.port;
  }

  get faultStats(): { readonly total: number; readonly byKind: Partial<Record<FaultKind, number>> } {
    return this.faults.injected;
  }

  get identity(): DemoIdentity {
    const user = this.fixture.users[0] as Fixture['users'][number];
    return {
      ak: user.ak,
      sk: user.sk,
      projectId: user.projectId,
      domainId: user.domainId,
      domainName: user.domainName,
      userId: user.userId,
      userName: user.userName,
      password: user.password,
      region: this.state.region,
    };
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        this.address = { host, port: address.port };
        resolve();
      });
    });
  }

  onTrace(listener: TraceListener): () => void {
    return this.traces.subscribe(listener);
  }

  setFaults(faults: FaultConfig | undefined): void {
    this.faults.set(parseFaultConfig(faults));
  }

  setVariants(variants: ApiVariants): void {
    this.state.variants = { ...variants };
  }

  reset(fixture?: Fixture): void {
    const next = fixture === undefined ? this.initialFixture : parseFixture(fixture);
    this.fixture = next;
    this.state.load(next);
    this.identities.load(next);
    this.invoker.releaseAll();
    this.journal.clear();
    this.firing.clear();
    this.stats.requests = 0;
    for (const operation of Object.keys(this.stats.byOperation)) delete this.stats.byOperation[operation];
    for (const attempt of Object.keys(this.stats.attempts)) delete this.stats.attempts[attempt];
    this.faults.injected.total = 0;
    for (const kind of Object.keys(this.faults.injected.byKind) as FaultKind[]) delete this.faults.injected.byKind[kind];
  }

  async close(): Promise<void> {
    clearInterval(this.timerLoop);
    const closed = new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
    await this.invoker.close();
    await closed;
  }

  private adminControl(): AdminControl {
    return {
      // A fixture (resources and traces) that `--seed` or `POST /__admin/reset` takes back as it is, then what only
      // runs produce (SMN messages, the trace count). Identities are left out: the state never shows a secret key.
      snapshot: () => ({
        ...this.state.resources(),
        traces: this.state.traces.map(fixtureTraceOf),
        messages: this.state.messages,
        traceCount: this.state.traces.length,
      }),
      traces: () => this.state.traces,
      stats: () => this.stats,
      faults: () => this.faults.config,
      invocations: () => this.journal.records,
      setFaults: (config) => this.faults.set(parseFaultConfig(config)),
      // A fixture without users keeps the current identities: handy for swapping resources only.
      reset: (body) => {
        if (body === undefined) return this.reset();
        const withIdentities =
          typeof body === 'object' && body !== null && !('users' in body)
            ? { users: this.fixture.users, agencies: this.fixture.agencies, tokenTtlSeconds: this.fixture.tokenTtlSeconds, ...body }
            : body;
        this.reset(parseFixture(withIdentities, 'the reset body'));
      },
    };
  }
}
