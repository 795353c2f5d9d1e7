import type { HostedFunction } from './functions.ts';
import { compilePath } from '../cloud/functiongraph/apig-routes.ts';
import type { RouteMatch as GenericRouteMatch } from '../cloud/functiongraph/apig-routes.ts';

export { BodyTooLargeError, matchRoute, readBody, sendApigResponse, sendJsonError, toApigEvent } from '../cloud/functiongraph/apig-routes.ts';
export type { ApigEventInput } from '../cloud/functiongraph/apig-routes.ts';

/** APIG triggers of the hosted functions as HTTP routes (matching, events and answers: ../cloud/functiongraph/apig-routes.ts). */

export interface ApigRoute {
  readonly fn: HostedFunction;
  /** The trigger's name (or the function's). */
  readonly name: string;
  /** `GET` … or `ANY`. */
  readonly method: string;
  readonly path: string;
  readonly matchMode: 'SWA' | 'NORMAL';
  /** The API's backend timeout. */
  readonly timeoutMs: number;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

export type RouteMatch = GenericRouteMatch<ApigRoute>;

export function apigRoutes(functions: readonly HostedFunction[]): ApigRoute[] {
  const routes: ApigRoute[] = [];
  for (const fn of functions) {
    for (const trigger of fn.triggers) {
      if (trigger.triggerTypeCode !== 'APIG') continue;
      const { path, matchMode, reqMethod, timeout, name } = trigger.eventData;
      const { pattern, params } = compilePath(path, matchMode);
      routes.push({ fn, name: name ?? fn.name, method: reqMethod, path, matchMode, timeoutMs: timeout, pattern, params });
    }
  }
  // Exact paths before prefixes; fewer parameters and longer paths first.
  const rank = (route: ApigRoute) => [route.matchMode === 'NORMAL' ? 0 : 1, route.params.length, -route.path.length];
  return routes.sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
    return 0;
  });
}
