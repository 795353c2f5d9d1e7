import { randomUUID } from 'node:crypto';
import type { ApiContext, ApiResult, Route } from './api.ts';
import { isRecord } from './api.ts';
import { ApiError } from './errors.ts';

/** SMN: publishing to a topic. Messages are kept in `state.messages`; errors are `{"request_id","code","message"}`. */

const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SUBJECT_BYTES = 512;
/** The most recent messages kept. */
const MESSAGE_LOG_LIMIT = 10_000;

const invalid = (what: string) => new ApiError(400, 'SMN.0002', `Invalid parameter: ${what}.`);

function publishMessage(ctx: ApiContext): ApiResult {
  const urn = ctx.params['topic_urn'] ?? '';
  const topic = ctx.project.topics.get(urn);
  if (!topic) throw new ApiError(404, 'SMN.0006', 'Topic not found.');
  const input = ctx.body;
  if (!isRecord(input)) throw invalid('request body');
  const subject = input['subject'];
  if (subject !== undefined && (typeof subject !== 'string' || Buffer.byteLength(subject) > MAX_SUBJECT_BYTES)) throw invalid('subject');
  const message = input['message'] ?? input['message_structure'];
  if (typeof message !== 'string' || message === '' || Buffer.byteLength(message) > MAX_MESSAGE_BYTES) throw invalid('message');

  const messageId = randomUUID().replace(/-/g, '');
  ctx.state.messages.push({
    message_id: messageId,
    request_id: ctx.requestId,
    project_id: ctx.project.projectId,
    topic_urn: topic.topic_urn,
    subject,
    message,
    time: ctx.now.getTime(),
  });
  if (ctx.state.messages.length > 2 * MESSAGE_LOG_LIMIT) ctx.state.messages.splice(0, ctx.state.messages.length - MESSAGE_LOG_LIMIT);
  return { status: 200, body: { request_id: ctx.requestId, message_id: messageId } };
}

export const smnRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: '/v2/{project_id}/notifications/topics/{topic_urn}/publish',
    operation: 'smn.publishMessage',
    operationId: 'PublishMessage',
    style: 'smn',
    handler: publishMessage,
  },
];
