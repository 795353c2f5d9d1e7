import type { ApiContext, ApiResult, Route } from './api.ts';
import { isRecord } from './api.ts';
import { ApiError } from './errors.ts';

/**
 * IAM: a token for a user's password (`POST /v3/auth/tokens`), then accepted by every service as `X-Auth-Token`;
 * the projects the caller can reach (`GET /v3/auth/projects`), one per region the fixture's identities use.
 */

const badRequest = () => new ApiError(400, '400', 'The request body is invalid');
const wrongPassword = () => new ApiError(401, '401', 'The username or password is wrong.');

/** Keystone's time format: microseconds and a `Z`. */
function keystoneTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function object(value: unknown): Record<string, unknown> {
  if (!isRecord(value)) throw badRequest();
  return value;
}

function optionalString(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest();
  return value;
}

function createToken(ctx: ApiContext): ApiResult {
  const auth = object(object(ctx.body)['auth']);
  const identity = object(auth['identity']);
  const methods = identity['methods'];
  if (!Array.isArray(methods) || !methods.includes('password')) throw badRequest();
  const user = object(object(identity['password'])['user']);
  const domain = object(user['domain']);
  const name = user['name'];
  const password = user['password'];
  const domainName = optionalString(domain['name']);
  const domainId = optionalString(domain['id']);
  if (typeof name !== 'string' || typeof password !== 'string' || (domainName === undefined && domainId === undefined)) throw badRequest();

  const account = ctx.identities.findUser({ ...(domainName !== undefined ? { name: domainName } : {}), ...(domainId !== undefined ? { id: domainId } : {}) }, name);
  if (!account || account.password !== password) throw wrongPassword();

  const scope = auth['scope'] === undefined ? {} : object(auth['scope']);
  const region = ctx.identities.region;
  const projectName = account.projectName ?? region;
  let projectScoped = false;
  if (scope['project'] !== undefined) {
    const project = object(scope['project']);
    const wanted = { id: optionalString(project['id']), name: optionalString(project['name']) };
    if (wanted.id === undefined && wanted.name === undefined) throw badRequest();
    if ((wanted.id !== undefined && wanted.id !== account.projectId) || (wanted.name !== undefined && wanted.name !== projectName)) {
      throw new ApiError(401, '401', 'The request you have made requires authentication: the project is not found in the user\u2019s domain.');
    }
    projectScoped = true;
  }

  const issued = ctx.identities.issueToken(account, projectScoped ? account.projectId : undefined, ctx.now);
  const accountDomain = { id: account.domainId, name: account.domainName };
  const token: Record<string, unknown> = {
    methods: ['password'],
    expires_at: keystoneTime(issued.expiresAt),
    issued_at: keystoneTime(issued.issuedAt),
    user: { domain: accountDomain, id: account.userId, name: account.userName, password_expires_at: '' },
    roles: [{ id: '0', name: 'te_admin' }],
    catalog: [],
  };
  if (projectScoped) token['project'] = { domain: accountDomain, id: account.projectId, name: projectName };
  else token['domain'] = accountDomain;
  return { status: 201, body: { token }, headers: { 'X-Subject-Token': issued.token } };
}

/** KeystoneListAuthProjects: the caller's account's projects, in the document's shape (no paging). */
function listAuthProjects(ctx: ApiContext): ApiResult {
  const caller = ctx.caller as NonNullable<ApiContext['caller']>;
  const projects = ctx.identities.projectsOf(caller.domainId).map(({ id, name }) => ({
    description: '',
    domain_id: caller.domainId,
    enabled: true,
    id,
    is_domain: false,
    links: { self: `${IAM_LINK}/v3/projects/${id}` },
    name,
    parent_id: caller.domainId,
  }));
  return { status: 200, body: { links: { self: `${IAM_LINK}/v3/auth/projects` }, projects } };
}

/** Links in IAM's answers point at the global endpoint, as the document's example does. */
const IAM_LINK = 'https://iam.myhuaweicloud.com';

export const iamRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/v3/auth/projects',
    operation: 'iam.listAuthProjects',
    operationId: 'KeystoneListAuthProjects',
    style: 'iam',
    handler: listAuthProjects,
  },
  {
    method: 'POST',
    path: '/v3/auth/tokens',
    operation: 'iam.createTokenByPassword',
    operationId: 'KeystoneCreateUserTokenByPassword',
    style: 'iam',
    handler: createToken,
    authenticated: false,
  },
];
