/**
 * Error bodies as each real service shapes them:
 * - `kms`, `csms`: `{"error":{"error_code","error_msg"}}` (KMS, CSMS events)
 * - `csms-secret`, `csbs`, `fgs`, `cts`, `cbr`: top-level `{"error_code","error_msg"}` (CSMS secrets' ErrorRsp, CSBS, FunctionGraph's ErrorResp, CTS, CBR)
 * - `ecs`: `{"error":{"code","message"}}` (ECS v1 `cloudservers`)
 * - `smn`: `{"request_id","code","message"}`
 * - `iam`: `{"error":{"code":401,"message","title"}}`
 * - `gateway`: API Gateway's own `{"error_msg","error_code","request_id"}` (authentication, throttling, unknown API)
 */
export type ErrorStyle = 'kms' | 'csms' | 'csms-secret' | 'csbs' | 'fgs' | 'cts' | 'cbr' | 'ecs' | 'smn' | 'iam' | 'gateway';

/** Thrown by handlers; the server renders it in the route's style (or the one given here). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly style?: ErrorStyle,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function renderError(style: ErrorStyle, status: number, code: string, message: string, requestId: string): unknown {
  switch (style) {
    case 'kms':
    case 'csms':
      return { error: { error_code: code, error_msg: message } };
    case 'csms-secret':
    case 'csbs':
    case 'fgs':
    case 'cts':
    case 'cbr':
      return { error_code: code, error_msg: message };
    case 'ecs':
      return { error: { code, message } };
    case 'smn':
      return { request_id: requestId, code, message };
    case 'iam':
      return { error: { code: status, message, title: TITLES[status] ?? 'Error' } };
    case 'gateway':
      return { error_msg: message, error_code: code, request_id: requestId };
  }
}

/** Authentication failures come from the gateway in front of every service, as on the real cloud. */
export function unauthorized(message: string): ApiError {
  return new ApiError(401, 'APIGW.0301', `Incorrect IAM authentication information: ${message}`, 'gateway');
}

/** The path's project is not the caller's: each service's own "no permission" answer. */
export function forbiddenProject(style: ErrorStyle): ApiError {
  switch (style) {
    case 'kms':
      return new ApiError(403, 'KMS.0321', 'URIs in URL and X-Auth-Token do not match.');
    case 'csms':
    case 'csms-secret':
      return new ApiError(403, 'CSMS.0302', 'The user role has no permission to access the interface.');
    case 'iam':
      return new ApiError(403, '403', 'You are not authorized to perform the requested action.');
    case 'fgs':
      return new ApiError(403, 'FSS.0403', 'Forbidden: the project in the request does not belong to the credentials.');
    case 'cts':
      return new ApiError(403, 'CTS.0012', 'Invalid project ID. Check whether the project ID is correct.');
    default:
      return new ApiError(403, 'APIGW.0302', 'The project in the request does not belong to the credentials.', 'gateway');
  }
}

/** The errors injected by `FaultConfig`: throttling from the gateway, the rest from the service behind it. */
export function injectedFault(style: ErrorStyle, status: number, retryAfterSeconds: number): ApiError {
  if (status === 429) {
    return new ApiError(429, 'APIGW.0308', 'The throttling threshold has been reached', 'gateway', {
      'Retry-After': String(retryAfterSeconds),
    });
  }
  if (status === 502) return new ApiError(502, 'APIGW.0202', 'Backend unavailable', 'gateway');
  if (status === 504) return new ApiError(504, 'APIGW.0203', 'Backend timeout', 'gateway');
  const [code, message] = SERVICE_FAILURE[style];
  if (status === 503 && style === 'kms') return new ApiError(503, 'KMS.0104', message);
  if (status === 503 && style === 'fgs') return new ApiError(503, 'FSS.0503', 'Service unavailable.');
  return new ApiError(status, code, message);
}

const SERVICE_FAILURE: Record<ErrorStyle, [string, string]> = {
  kms: ['KMS.0101', 'KMS error.'],
  csms: ['CSMS.0001', 'An internal error occurred.'],
  'csms-secret': ['CSMS.0001', 'An internal error occurred.'],
  csbs: ['CSBS.9999', 'internal failed'],
  fgs: ['FSS.0500', 'Internal server error.'],
  cts: ['CTS.0005', 'Data read exception.'],
  cbr: ['BackupService.9999', 'Internal error.'],
  ecs: ['Ecs.0001', 'System error. Please try again later.'],
  smn: ['SMN.0001', 'Internal error.'],
  iam: ['500', 'The service is temporarily unavailable.'],
  gateway: ['APIGW.0202', 'Backend unavailable'],
};

/** The body is not JSON (or not the object the API expects at the top). */
export function invalidBody(style: ErrorStyle): ApiError {
  switch (style) {
    case 'kms':
      return new ApiError(400, 'KMS.0202', 'Invalid JSON format of the request message.');
    case 'csms':
    case 'csms-secret':
      return new ApiError(400, 'CSMS.0004', 'The requested body format is wrong.');
    case 'csbs':
      return new ApiError(400, 'CSBS.9001', 'Invalid parameter: the request body is not JSON');
    case 'fgs':
      return new ApiError(406, 'FSS.0406', 'Not acceptable: the request body is not JSON.');
    case 'cts':
      return new ApiError(400, 'CTS.0003', 'The message body is empty or invalid.');
    case 'cbr':
      return new ApiError(400, 'BackupService.9002', 'Invalid parameter: the request body is not JSON');
    case 'ecs':
      return new ApiError(400, 'Ecs.0005', 'Request body is invalid.');
    case 'smn':
      return new ApiError(400, 'SMN.0002', 'Invalid parameter: the request body is not JSON.');
    case 'iam':
      return new ApiError(400, '400', 'The request body is invalid');
    case 'gateway':
      return new ApiError(400, 'APIGW.0101', 'The request body is invalid', 'gateway');
  }
}

/** What the local cloud answers for a route or an operation it does not emulate (as LocalStack does: 501, named). */
export const NOT_EMULATED = 'LOCAL.NOT_EMULATED';

export function notEmulated(what: string, style: ErrorStyle = 'gateway'): ApiError {
  return new ApiError(501, NOT_EMULATED, `not emulated: ${what}`, style);
}
