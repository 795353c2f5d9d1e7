import * as z from '../zod.ts';
import type { IssuedToken } from './credentials.ts';
import { HwcError, LocalErrorCode } from './errors.ts';
import { parseRequest, parseResponse } from './schema.ts';
import type { ApiContext, CallOptions } from './schema.ts';

/** IAM (Identity and Access Management): a project-scoped token for an IAM user's password. API v3. */

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
}
