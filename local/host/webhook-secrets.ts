import { randomBytes } from 'node:crypto';

/**
 * One webhook secret per hosted function, as the README tells users to deploy them: a signature covers the
 * timestamp and the body, not the route, so a secret shared by two functions would let a request signed for
 * one be replayed on the other. Each comes from the host's options, else the user's
 * `WARDEN_WEBHOOK_SECRET_<FUNCTION>` (e.g. `WARDEN_WEBHOOK_SECRET_TAG_NEW_KEYS`), else is generated for the run.
 * A single `WARDEN_WEBHOOK_SECRET` in the user's environment would give them all the same one: refused.
 */

export type WebhookSecretSource = 'generated' | 'option' | 'environment';

export interface WebhookSecret {
  readonly value: string;
  readonly source: WebhookSecretSource;
  /** The shell variable the banner exports it as, and the curl examples read. */
  readonly variable: string;
}

/** `tag-new-keys` → `WARDEN_WEBHOOK_SECRET_TAG_NEW_KEYS`. */
export function webhookSecretVariable(functionName: string): string {
  return `WARDEN_WEBHOOK_SECRET_${functionName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** True for the user's webhook secret variables, which never pass into a function's environment as they are. */
export function isWebhookSecretVariable(name: string): boolean {
  return name === 'WARDEN_WEBHOOK_SECRET' || name.startsWith('WARDEN_WEBHOOK_SECRET_');
}

export function webhookSecrets(
  functionNames: readonly string[],
  given: Readonly<Record<string, string>> | undefined,
  userEnv: Readonly<Record<string, string | undefined>>,
): Record<string, WebhookSecret> {
  if (userEnv['WARDEN_WEBHOOK_SECRET']) {
    const example = functionNames.map(webhookSecretVariable).slice(0, 2).join(', ');
    throw new Error(
      `WARDEN_WEBHOOK_SECRET would give every function the same webhook secret, so a request signed for one route would be accepted by the others; set one per function instead (${example}, …) or leave them unset to have them generated`,
    );
  }
  const secrets: Record<string, WebhookSecret> = {};
  const seen = new Map<string, string>();
  for (const name of functionNames) {
    const variable = webhookSecretVariable(name);
    const fromOption = given?.[name];
    const fromEnv = userEnv[variable];
    const secret: WebhookSecret = fromOption
      ? { value: fromOption, source: 'option', variable }
      : fromEnv
        ? { value: fromEnv, source: 'environment', variable }
        : { value: randomBytes(24).toString('base64url'), source: 'generated', variable };
    const twin = seen.get(secret.value);
    if (twin !== undefined) throw new Error(`${twin} and ${name} are given the same webhook secret; give each function its own`);
    seen.set(secret.value, name);
    secrets[name] = secret;
  }
  return secrets;
}

/** The body the examples send: a sweep that only plans. */
export const EXAMPLE_BODY = '{"dryRun":true}';

/** A one-line shell command that signs `body` with the secret in `$variable` and POSTs it to `url`. */
export function signedCurl(url: string, variable: string, body: string = EXAMPLE_BODY): string {
  const sign = `printf '%s' "$t.$body" | openssl dgst -sha256 -hmac "$${variable}" | sed 's/^.*= //'`;
  return `t=$(date +%s); body='${body}'; curl -s -X POST '${url}' -H "X-Warden-Signature: t=$t,v1=$(${sign})" --data "$body"`;
}
