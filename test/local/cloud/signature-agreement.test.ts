import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloud } from '../../../local/cloud/index.ts';
import type { LocalCloud } from '../../../local/cloud/index.ts';
import { call } from './helpers.ts';
import { mulberry32 } from '../../../local/cloud/faults.ts';

// Property: the client's signer (shared/hwc/signer.ts) and the cloud's own verifier
// (local/cloud/auth.ts, written apart from it) agree on random requests: every request signed by the
// one is accepted by the other, and the same request changed after signing is refused.

let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startCloud({ port: 0 });
});
afterAll(() => cloud.close());

const PIECES = [...'abcXYZ019-._~!*()\'&=+$,;:@ /?#%', 'é', '一', '密钥', '😀'];

function text(random: () => number, max: number, min = 0): string {
  let out = '';
  const length = min + Math.floor(random() * (max - min + 1));
  for (let i = 0; i < length; i++) out += PIECES[Math.floor(random() * PIECES.length)];
  return out;
}

interface RandomRequest {
  method: string;
  path: string;
  body: string | undefined;
}

function randomRequest(random: () => number, projectId: string): RandomRequest {
  const query = new URLSearchParams();
  for (let n = Math.floor(random() * 4); n > 0; n--) {
    const key = text(random, 6, 1);
    for (let r = 1 + Math.floor(random() * 2); r > 0; r--) query.append(key, text(random, 8));
  }
  const search = query.size ? `?${query}` : '';
  if (random() < 0.5) {
    // A path parameter made of anything: the event (most likely) does not exist → 404 once authenticated.
    return { method: 'GET', path: `/v1/${projectId}/csms/events/${encodeURIComponent(text(random, 10, 1))}${search}`, body: undefined };
  }
  const body = JSON.stringify({ key_id: text(random, 12), note: text(random, 20), n: Math.floor(random() * 1e6) });
  return { method: 'POST', path: `/v1.0/${projectId}/kms/describe-key${search}`, body };
}

describe('signer and verifier agree', () => {
  it('accept 300 random signed requests and refuse each one tampered with after signing', async () => {
    const random = mulberry32(424242);
    const credentials = { ak: cloud.identity.ak, sk: cloud.identity.sk };
    for (let i = 0; i < 300; i++) {
      const req = randomRequest(random, cloud.identity.projectId);
      const signed = await call(cloud, req.method, req.path, { rawBody: req.body, credentials });
      expect(signed.status, `request ${i}: ${req.method} ${req.path} → ${signed.text}`).not.toBe(401);

      const tampered = await call(cloud, req.method, req.path, {
        rawBody: req.body,
        credentials,
        tamper: (headers) => {
          headers['X-Sdk-Date'] = headers['X-Sdk-Date']!.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10));
        },
      });
      expect(tampered.status, `tampered request ${i}: ${req.method} ${req.path}`).toBe(401);
    }
  });
});
