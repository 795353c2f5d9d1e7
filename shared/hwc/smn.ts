import * as z from '../zod.ts';
import { transformed } from '../zod.ts';
import { callAndParse, optional, parseRequest, present, stringish } from './schema.ts';
import type { ApiContext, CallOptions } from './schema.ts';
import { pathOf } from './transport.ts';

/** SMN (Simple Message Notification): publishing a message to a topic. API v2. */

const bytes = (text: string): number => Buffer.byteLength(text);
/** PublishMessage's documented limits: the message UTF-8 and at most 256 KB, the subject at most 512 bytes. */
export const SMN_MAX_MESSAGE_BYTES = 256 * 1024;
export const SMN_MAX_SUBJECT_BYTES = 512;

export const PublishMessageRequestSchema = z.object({
  /** `urn:smn:{region}:{project_id}:{topic_name}` */
  topic_urn: z.string().check(z.regex(/^urn:smn:[^:/]+:[^:/]+:[^:/]+$/, 'topic_urn must be urn:smn:{region}:{project_id}:{topic}')),
  subject: z.optional(z.string().check(z.refine((s) => bytes(s) <= SMN_MAX_SUBJECT_BYTES, 'subject must be at most 512 bytes'))),
  message: z.string().check(z.minLength(1), z.refine((s) => bytes(s) <= SMN_MAX_MESSAGE_BYTES, 'message must be at most 256 KB')),
  /** Seconds the message is kept for retries, 1–86400 (the API's default is 3600). */
  time_to_live: z.optional(
    transformed(
      z.pipe(
        z.union([z.number().check(z.int()), transformed(z.string().check(z.regex(/^\d+$/)), Number)]),
        z.number().check(z.int(), z.gte(1), z.lte(86_400)),
      ),
      String,
    ),
  ),
});
export type PublishMessageRequest = z.input<typeof PublishMessageRequestSchema>;

export const PublishMessageResponseSchema = z.object({
  message_id: present,
  request_id: optional(stringish),
});
export type PublishMessageResponse = z.output<typeof PublishMessageResponseSchema>;

export class SmnApi {
  constructor(private readonly ctx: ApiContext) {}

  /** `POST /v2/{project_id}/notifications/topics/{topic_urn}/publish` */
  async publishMessage(params: PublishMessageRequest, options: CallOptions = {}): Promise<PublishMessageResponse> {
    const { topic_urn, ...body } = parseRequest(PublishMessageRequestSchema, params, 'smn.publishMessage');
    return callAndParse(
      this.ctx,
      {
        operation: 'smn.publishMessage',
        service: 'smn',
        method: 'POST',
        path: pathOf`/v2/${this.ctx.projectId}/notifications/topics/${topic_urn}/publish`,
        body,
        signal: options.signal,
      },
      PublishMessageResponseSchema,
    );
  }
}
