import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * APIG routes, shared by the embedded FunctionGraph's gateway (./apig-gateway.ts) and the local host: which
 * route a request takes (NORMAL = exact path, SWA = path prefix, `{name}` / `{name+}` path parameters), the
 * request as a FunctionGraph APIG event (reference: apig_event.json), and the handler's answer sent back.
 */

export function compilePath(path: string, matchMode: 'SWA' | 'NORMAL'): { pattern: RegExp; params: string[] } {
  const params: string[] = [];
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const source = trimmed
    .split('/')
    .map((segment) => {
      const param = /^\{([A-Za-z0-9_-]+)(\+?)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(param[1] as string);
      return param[2] === '+' ? '(.+)' : '([^/]+)';
    })
    .join('/');
  const tail = matchMode === 'SWA' ? (trimmed === '/' ? '.*' : '(?:/.*)?') : '/?';
  return { pattern: new RegExp(`^${trimmed === '/' ? '/' : source}${tail}$`), params };
}

/** What matching needs of a route. */
export interface MatchableRoute {
  /** `GET` … or `ANY`. */
  readonly method: string;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

export type RouteMatch<R extends MatchableRoute> =
  | { readonly kind: 'found'; readonly route: R; readonly pathParameters: Record<string, string> }
  | { readonly kind: 'wrong-method'; readonly allowed: readonly string[] }
  | { readonly kind: 'none' };

/** The first of `routes` (in the order given) that `method` and `path` take. */
export function matchRoute<R extends MatchableRoute>(routes: readonly R[], method: string, path: string): RouteMatch<R> {
  const allowed = new Set<string>();
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method !== 'ANY' && route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
      allowed.add(route.method);
      continue;
    }
    const pathParameters: Record<string, string> = {};
    route.params.forEach((name, i) => {
      pathParameters[name] = safeDecode(match[i + 1] ?? '');
    });
    return { kind: 'found', route, pathParameters };
  }
  return allowed.size > 0 ? { kind: 'wrong-method', allowed: [...allowed] } : { kind: 'none' };
}

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`request body is larger than ${limit} bytes`);
  }
}

/** Reads the body, refusing (before reading it all) anything over `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface ApigEventInput {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly body: Buffer;
  readonly pathParameters: Record<string, string>;
  readonly requestId: string;
  readonly apiId: string;
}

/** The event FunctionGraph hands an APIG-triggered function (reference: apig_event.json). */
export function toApigEvent(input: ApigEventInput): Record<string, unknown> {
  const { req, url, body } = input;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  const remote = req.socket.remoteAddress ?? '';
  headers['x-real-ip'] ??= remote;
  headers['x-forwarded-for'] ??= remote;
  headers['x-request-id'] = input.requestId;

  const queryStringParameters: Record<string, string | string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    queryStringParameters[name] = values.length === 1 ? (values[0] as string) : values;
  }

  let text: string | undefined;
  try {
    text = utf8.decode(body);
  } catch {
    text = undefined;
  }
  return {
    body: text ?? body.toString('base64'),
    requestContext: { apiId: input.apiId, requestId: input.requestId, stage: 'RELEASE' },
    queryStringParameters,
    httpMethod: (req.method ?? 'GET').toUpperCase(),
    pathParameters: input.pathParameters,
    headers,
    path: url.pathname,
    isBase64Encoded: text === undefined,
  };
}

/** Hop-by-hop and framing headers are the server's business, not the function's. */
const SERVER_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer']);

/** Sends a handler's APIG response; anything that isn't one becomes a 502. */
export function sendApigResponse(res: ServerResponse, result: unknown, headOnly = false): void {
  if (!isApigResponse(result)) {
    sendJsonError(res, 502, 'bad_function_response', 'the function did not answer with { statusCode, headers, body }');
    return;
  }
  const body = result.isBase64Encoded === true ? Buffer.from(result.body ?? '', 'base64') : Buffer.from(result.body ?? '', 'utf8');
  try {
    res.statusCode = result.statusCode;
    for (const [name, value] of Object.entries(result.headers ?? {})) {
      if (SERVER_HEADERS.has(name.toLowerCase()) || value === undefined || value === null) continue;
      res.setHeader(name, Array.isArray(value) ? value.map(String) : String(value));
    }
  } catch {
    // An invalid status code or header value from the function.
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    sendJsonError(res, 502, 'bad_function_response', 'the function answered with an invalid status code or header');
    return;
  }
  res.setHeader('content-length', body.length);
  res.end(headOnly ? undefined : body);
}

interface ApigResponseLike {
  statusCode: number;
  headers?: Record<string, unknown>;
  body?: string;
  isBase64Encoded?: boolean;
}

function isApigResponse(value: unknown): value is ApigResponseLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    Number.isInteger(candidate['statusCode']) &&
    (candidate['statusCode'] as number) >= 100 &&
    (candidate['statusCode'] as number) <= 599 &&
    (candidate['body'] === undefined || typeof candidate['body'] === 'string') &&
    (candidate['headers'] === undefined || (typeof candidate['headers'] === 'object' && candidate['headers'] !== null))
  );
}

/** `{"error":{"code","message"}}`, the shape the functions answer errors with. */
export function sendJsonError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
