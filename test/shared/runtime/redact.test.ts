import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../shared/hwc/credentials.ts';
import { HuaweiCloud } from '../../../shared/hwc/index.ts';
import { loadPolicy } from '../../../shared/policy.ts';
import { adaptContext } from '../../../shared/runtime/context.ts';
import { maskSecrets, REDACTED } from '../../../shared/runtime/redact.ts';

/** A FunctionGraph context handing over the agency's temporary credentials of rotation `n`. */
const rotation = (n: number) => ({
  getRequestID: () => `req-${n}`,
  getSecurityAccessKey: () => `HSTAROTATINGAK${String(n).padStart(8, '0')}`,
  getSecuritySecretKey: () => `rotating-sk/${n}+secret-value-long-enough`,
  getSecurityToken: () => `rotating-security-token-${n}-${'x'.repeat(40)}`,
  getToken: () => `MIIrotating-iam-token-${n}-${'y'.repeat(40)}`,
});

describe('masking', () => {
  it('never forgets a long-lived secret, however many temporary credentials rotate through', async () => {
    const webhook = 'LongLivedWebhookSecret-2f9c1d77';
    const sk = 'LongLivedSecretKey/with+reserved=chars';
    const password = 'LongLived-IAM-Password-8841';
    const fromPassword = 'MIILongLivedTokenObtainedWithAPassword-0a1b2c';
    loadPolicy({ env: { WARDEN_WEBHOOK_SECRET: webhook } });
    const cloud = HuaweiCloud.fromEnv({ HUAWEICLOUD_REGION: 'cn-north-4', HUAWEICLOUD_SDK_PROJECT_ID: 'p', HUAWEICLOUD_SDK_AK: 'AK', HUAWEICLOUD_SDK_SK: sk });
    await cloud.close();
    const issued = createAuthenticator({ type: 'password', userName: 'u', password, domainName: 'd' }, async () => ({
      token: fromPassword,
      expiresAt: new Date(Date.now() + 86_400_000),
    }));
    await issued.authenticate({ method: 'GET', url: new URL('https://kms.example/x'), headers: {}, body: undefined });

    // Today's failure: after 129 invocations with fresh agency credentials, the webhook secret came back.
    for (let n = 0; n < 5_000; n++) {
      const context = adaptContext(rotation(n));
      context.credentials?.();
      context.iamToken?.();
    }

    for (const secret of [webhook, sk, encodeURIComponent(sk), password, fromPassword]) {
      expect(maskSecrets(`before ${secret} after`), secret).toBe(`before ${REDACTED} after`);
    }
    // The credentials in use now are masked; those of thousands of rotations ago (expired) are let go: bounded.
    const latest = rotation(4_999);
    for (const secret of [latest.getSecuritySecretKey(), latest.getSecurityToken(), latest.getToken()]) expect(maskSecrets(secret)).toBe(REDACTED);
    expect(maskSecrets(rotation(0).getSecuritySecretKey())).toBe(rotation(0).getSecuritySecretKey());
  });

});
