export { createLogger, stderrSink } from './logger.ts';
export type { Logger, LoggerOptions, LogLevel, LogSink, LogFields } from './logger.ts';
export { registerSecret, registerTemporarySecret, maskSecrets, isSensitiveKey, redact, serializeError, REDACTED } from './redact.ts';
export type { RedactOptions } from './redact.ts';
export { adaptContext, runtimeOf, runtimeContext } from './context.ts';
export type { RuntimeContext, Credentials } from './context.ts';
export { errorResponse, apigErrorResponse, GENERIC_ERROR_MESSAGE } from './error-response.ts';
export type { ErrorResponseOptions, ErrorBody } from './error-response.ts';
export { toApigResponse, isApigResponse, apigResponse, JSON_HEADERS } from './apig-response.ts';
export type { ApigResponse } from './apig-response.ts';
export {
  signWebhook,
  verifyWebhookSignature,
  verifyApigWebhook,
  parseSignatureHeader,
  webhookAuth,
  ReplayGuard,
  WebhookAuthError,
  SIGNATURE_HEADER,
  DEFAULT_TOLERANCE_SECONDS,
} from './webhook-auth.ts';
export type { WebhookAuthOptions, WebhookAuthMode, WebhookAuthReason, WebhookVerification, ParsedSignatureHeader } from './webhook-auth.ts';
export { buildReport, countActions, ignoredResult, isIgnoredResult, ReportBuilder, ACTION_STATUSES } from './report.ts';
export type { ActionStatus, ActionCounts, ReportAction, FunctionReport, IgnoredResult, FunctionResult, ReportInput } from './report.ts';
