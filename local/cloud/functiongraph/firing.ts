import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identities } from '../auth.ts';
import type { CloudState, FgsFunction, FunctionTrigger } from '../state.ts';
import type { CtsTrace } from '../traces.ts';
import { BodyTooLargeError, compilePath, matchRoute, readBody, sendApigResponse, sendJsonError, toApigEvent } from './apig-routes.ts';
import type { MatchableRoute } from './apig-routes.ts';
import { LoopGuard, matches, parseOperation } from './cts-operations.ts';
import type { FunctionInvoker, InvocationSource } from './invoke.ts';
import { nextFire, parseSchedule, timerEvent } from './schedule.ts';
import type { Schedule } from './schedule.ts';

/**
 * The triggers the embedded FunctionGraph holds, fired: ACTIVE ones only (a DISABLED trigger never fires).
 * - TIMER: `runDueTimers(now)` fires every trigger whose next time (Rate: counted from the trigger's creation;
 *   Cron) has come by `now`, the cloud's clock; missed ticks fire once. A loop calls it every second unless the
 *   cloud's clock is injected (tests call it themselves: nothing waits).
 * - CTS: every trace the cloud records fires the functions of its project whose CTS trigger lists its operation,
 *   with the trace as the event (at most once per function; a loop guard drops a function firing itself).
 * - APIG: `<METHOD> /apig/<group_id><path>` on the cloud's origin runs the function whose APIG trigger in that
 *   group takes the method and path, with the APIG event, and answers what the function answers. `auth: NONE`
 *   takes anyone, `IAM` a signed request or token of the function's account; `APP` answers 501 (not emulated).
 */

export const APIG_PREFIX = '/apig/';

export class TriggerFiring {
  /** TIMER trigger id → when it fires next (epoch ms). */
  private readonly nextTimes = new Map<string, number>();
  private readonly loopGuard = new LoopGuard();

  constructor(
    private readonly state: CloudState,
    private readonly invoker: FunctionInvoker,
    private readonly identities: Identities,
    private readonly now: () => Date,
  ) {}

  /** Fires the TIMER triggers that are due by `now`; resolves when those runs have finished. */
  async runDueTimers(now: Date = this.now()): Promise<void> {
    const runs: Array<Promise<unknown>> = [];
    for (const { fn, trigger } of this.active('TIMER')) {
      const schedule = scheduleOf(trigger);
      if (!schedule) continue;
      const origin = new Date(trigger.created_time);
      const due = this.nextTimes.get(trigger.trigger_id) ?? nextFire(schedule, origin, origin).getTime();
      if (now.getTime() < due) {
        this.nextTimes.set(trigger.trigger_id, due);
        continue;
      }
      this.nextTimes.set(trigger.trigger_id, nextFire(schedule, now, origin).getTime());
      const name = String(trigger.event_data['name'] ?? trigger.trigger_id);
      const event = timerEvent(name, String(trigger.event_data['user_event'] ?? ''), now);
      runs.push(this.fire(fn, event, { type: 'timer', name }));
    }
    await Promise.allSettled(runs);
  }

  /** A trace the cloud recorded: fires the CTS triggers of its project that list its operation. */
  onTrace(trace: CtsTrace): void {
    const fired = new Set<string>();
    for (const { fn, trigger } of this.active('CTS', trace.cts.project_id)) {
      if (fired.has(fn.func_urn)) continue;
      const operations = Array.isArray(trigger.event_data['operations']) ? (trigger.event_data['operations'] as string[]) : [];
      if (!operations.some((operation) => matches(parseOperation(operation), trace))) continue;
      fired.add(fn.func_urn);
      if (!this.loopGuard.allow(fn.func_urn, trace.cts.resource_id)) continue;
      void this.fire(fn, structuredClone(trace) as unknown as Record<string, unknown>, { type: 'cts', name: String(trigger.event_data['name'] ?? trigger.trigger_id) });
    }
  }

  /** `<METHOD> /apig/<group_id><path>`: the APIG trigger that takes it, run with the APIG event. */
  async serveApig(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://apig.local');
    const rest = url.pathname.slice(APIG_PREFIX.length);
    const slash = rest.indexOf('/');
    const groupId = slash < 0 ? rest : rest.slice(0, slash);
    const path = slash < 0 ? '/' : rest.slice(slash);
    const method = (req.method ?? 'GET').toUpperCase();
    const routes = this.apigRoutes(groupId);
    const match = matchRoute(routes, method, path);
    if (match.kind !== 'found') {
      await readBody(req, 1024 * 1024).catch(() => undefined);
      if (match.kind === 'wrong-method') sendJsonError(res, 405, 'APIG.0101', `${method} is not allowed on ${path} in group ${groupId}`, { allow: match.allowed.join(', ') });
      else sendJsonError(res, 404, 'APIG.0101', `no API of group ${groupId} takes ${method} ${path}`);
      return;
    }
    const { route, pathParameters } = match;
    let body: Buffer;
    try {
      body = await readBody(req, 12 * 1024 * 1024);
    } catch (error) {
      if (error instanceof BodyTooLargeError) sendJsonError(res, 413, 'APIG.0201', error.message);
      else throw error;
      return;
    }
    const auth = route.trigger.event_data['auth'];
    if (auth === 'APP') {
      sendJsonError(res, 501, 'LOCAL.NOT_EMULATED', 'not emulated: APIG APP authentication (use NONE or IAM)');
      return;
    }
    if (auth === 'IAM') {
      try {
        const caller = this.identities.authenticate({ method, path: url.pathname, query: url.search.slice(1), headers: req.headers, body }, this.now());
        if (caller.domainId !== route.fn.domain_id) throw new Error('another account');
      } catch {
        sendJsonError(res, 401, 'APIG.1002', 'Incorrect IAM authentication information');
        return;
      }
    }
    const apiId = String(route.trigger.event_data['api_id'] ?? '');
    const event = toApigEvent({ req, url: new URL(path + url.search, url), body, pathParameters, requestId, apiId });
    const outcome = await this.invoker.invoke(route.fn, { requestId, event, mode: 'sync', logTail: false, instanceMemory: undefined }, 'apig', { type: 'apig', name: String(route.trigger.event_data['name'] ?? '') });
    if (outcome.status === 408) {
      sendJsonError(res, 504, 'APIG.0201', 'the backend (the function) timed out');
      return;
    }
    if (outcome.status !== 200) {
      sendJsonError(res, 502, 'APIG.0202', 'the backend (the function) failed');
      return;
    }
    sendApigResponse(res, parseJson(outcome.result), method === 'HEAD');
  }

  /** Forgets TIMER bookkeeping (a reset). */
  clear(): void {
    this.nextTimes.clear();
  }

  private fire(fn: FgsFunction, event: Record<string, unknown>, source: InvocationSource): Promise<unknown> {
    const request = { requestId: randomUUID(), event, mode: 'async' as const, logTail: false, instanceMemory: undefined };
    return this.invoker.invoke(fn, request, `${source.type} trigger`, source).catch(() => undefined);
  }

  private *active(type: string, projectId?: string): Generator<{ fn: FgsFunction; trigger: FunctionTrigger }> {
    for (const project of this.state.projects.values()) {
      if (projectId !== undefined && project.projectId !== projectId) continue;
      for (const fn of project.functions.values()) {
        for (const trigger of fn.triggers.values()) {
          if (trigger.trigger_type_code === type && trigger.trigger_status === 'ACTIVE') yield { fn, trigger };
        }
      }
    }
  }

  private apigRoutes(groupId: string): Array<MatchableRoute & { fn: FgsFunction; trigger: FunctionTrigger }> {
    const routes: Array<MatchableRoute & { fn: FgsFunction; trigger: FunctionTrigger; normal: boolean }> = [];
    for (const type of ['APIG', 'DEDICATEDGATEWAY']) {
      for (const { fn, trigger } of this.active(type)) {
        if (trigger.event_data['group_id'] !== groupId) continue;
        const matchMode = trigger.event_data['match_mode'] === 'SWA' ? 'SWA' : 'NORMAL';
        const { pattern, params } = compilePath(String(trigger.event_data['path']), matchMode);
        routes.push({ fn, trigger, method: String(trigger.event_data['req_method']), pattern, params, normal: matchMode === 'NORMAL' });
      }
    }
    // Exact paths before prefixes.
    return routes.sort((a, b) => Number(b.normal) - Number(a.normal));
  }
}

function scheduleOf(trigger: FunctionTrigger): Schedule | undefined {
  try {
    return parseSchedule(trigger.event_data['schedule_type'] === 'Cron' ? 'Cron' : 'Rate', String(trigger.event_data['schedule']));
  } catch {
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
