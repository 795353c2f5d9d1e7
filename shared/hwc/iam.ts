import * as z from '../zod.ts';
import type { IssuedToken } from './credentials.ts';
import { HwcError, LocalErrorCode } from './errors.ts';
import { boolish, callAndParse, optional, parseRequest, parseResponse, present, stringish } from './schema.ts';
import type { ApiContext, CallOptions } from './schema.ts';

/**
 * IAM (Identity and Access Management), API v3: a project-scoped token for an IAM user's password, and the
 * projects the caller can reach (one per region, named after it: how `warden deploy` finds each region's project).
 */

export const CreateTokenByPasswordRequestSchema = z.object({
  userName: z.string().check(z.minLength(1, 'userName must not be empty')),
  password: z.string().check(z.minLength(1, 'password must not be empty')),
  domainName: z.string().check(z.minLength(1, 'domainName must not be empty')),
  projectId: z.string().check(z.minLength(1, 'projectId must not be empty')),
});
export type CreateTokenByPasswordRequest = z.input<typeof CreateTokenByPasswordRequestSchema>;

const TokenBodySchema = z.object({
  token: z.object({
    expires_at: z.string().check(z.refine((s) => !Number.isNaN(Date.parse(s)), 'expected a timestamp')),
  }),
});

/** One entry of KeystoneListAuthProjects' `projects` (`AuthProjectResult`); `enabled` is required: unknown is not "yes". */
const AuthProjectSchema = z.object({
  id: present,
  /** The region's name for a region's own project (`cn-north-4`); `<region>_<name>` for a sub-project. */
  name: present,
  enabled: boolish,
  domain_id: optional(stringish),
  parent_id: optional(stringish),
  is_domain: optional(boolish),
  description: optional(z.string()),
});
export type AuthProject = z.output<typeof AuthProjectSchema>;

export const ListAuthProjectsResponseSchema = z.object({ projects: z.array(AuthProjectSchema) });
export type ListAuthProjectsResponse = z.output<typeof ListAuthProjectsResponseSchema>;

export class IamApi {
  constructor(private readonly ctx: ApiContext) {}

  /**
   * `POST /v3/auth/tokens` with the password method and project scope. The token is the
   * `X-Subject-Token` response header; it is sent unauthenticated and without `X-Project-Id`.
   */
  async createTokenByPassword(params: CreateTokenByPasswordRequest, options: CallOptions = {}): Promise<IssuedToken> {
    const operation = 'iam.createTokenByPassword';
    const { userName, password, domainName, projectId } = parseRequest(CreateTokenByPasswordRequestSchema, params, operation);
    const result = await this.ctx.transport.call({
      operation,
      service: 'iam',
      method: 'POST',
      path: '/v3/auth/tokens',
      query: { nocatalog: 'true' },
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { name: userName, password, domain: { name: domainName } } } },
          scope: { project: { id: projectId } },
        },
      },
      authenticated: false,
      projectScoped: false,
      signal: options.signal,
    });
    const body = parseResponse(TokenBodySchema, result, operation);
    const token = result.headers['x-subject-token'];
    if (!token) {
      throw new HwcError({
        operation,
        status: result.status,
        errorCode: LocalErrorCode.invalidResponse,
        errorMsg: 'unexpected response: the X-Subject-Token header is missing',
        requestId: result.requestId,
      });
    }
    return { token, expiresAt: new Date(body.token.expires_at) };
  }

  /**
   * `GET /v3/auth/projects` (KeystoneListAuthProjects): every project the caller may use, in one answer (the
   * API has no paging). Not project-scoped: sent without `X-Project-Id`.
   */
  async listAuthProjects(options: CallOptions = {}): Promise<ListAuthProjectsResponse> {
    return callAndParse(
      this.ctx,
      { operation: 'iam.listAuthProjects', service: 'iam', method: 'GET', path: '/v3/auth/projects', projectScoped: false, signal: options.signal },
      ListAuthProjectsResponseSchema,
    );
  }
}
