import type { Route } from './api.ts';

/** Matches a method and raw path to a route. Literal segments are compared as sent; parameters are decoded. */

interface CompiledRoute {
  readonly route: Route;
  /** A literal segment, or null where a parameter goes. */
  readonly segments: ReadonlyArray<string | null>;
  readonly names: readonly string[];
}

export interface RouteMatch {
  readonly route: Route;
  readonly params: Record<string, string>;
}

export class Router {
  /** By method, then by segment count: a lookup compares only routes of the right shape. */
  private readonly table = new Map<string, Map<number, CompiledRoute[]>>();

  constructor(routes: readonly Route[]) {
    for (const route of routes) this.add(route);
  }

  match(method: string, path: string): RouteMatch | undefined {
    const parts = path.split('/');
    const candidates = this.table.get(method)?.get(parts.length);
    if (!candidates) return undefined;
    for (const candidate of candidates) {
      const params = matchSegments(candidate, parts);
      if (params) return { route: candidate.route, params };
    }
    return undefined;
  }

  private add(route: Route): void {
    const segments: Array<string | null> = [];
    const names: string[] = [];
    for (const segment of route.path.split('/')) {
      const param = /^\{(\w+)\}$/.exec(segment);
      segments.push(param ? null : segment);
      if (param) names.push(param[1] as string);
    }
    let byLength = this.table.get(route.method);
    if (!byLength) this.table.set(route.method, (byLength = new Map()));
    let list = byLength.get(segments.length);
    if (!list) byLength.set(segments.length, (list = []));
    // Routes with more literal segments win over ones with parameters in their place.
    list.push({ route, segments, names });
    list.sort((a, b) => literalCount(b) - literalCount(a));
  }
}

function matchSegments(candidate: CompiledRoute, parts: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  let name = 0;
  for (let i = 0; i < parts.length; i++) {
    const expected = candidate.segments[i];
    const actual = parts[i] as string;
    if (expected === null) {
      if (actual === '') return undefined;
      params[candidate.names[name++] as string] = safeDecode(actual);
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

function literalCount(route: CompiledRoute): number {
  return route.segments.reduce((count, segment) => count + (segment === null ? 0 : 1), 0);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
