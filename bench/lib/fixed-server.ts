/**
 * A minimal loopback HTTP server that answers every request with one fixed KMS describe-key response, so it
 * is never the bottleneck. Run as a child process: `tsx bench/lib/fixed-server.ts` prints its URL as JSON.
 */
import { createServer } from 'node:http';

export const FIXED_KEY_ID = '0b6a3e3c-1f0e-4b8a-9c5d-2e7f8a9b0c1d';
const BODY = Buffer.from(
  JSON.stringify({
    key_info: {
      key_id: FIXED_KEY_ID,
      domain_id: 'b168fe00ff56492495a7d22974df2d0b',
      key_alias: 'app/data',
      realm: 'cn-north-4',
      key_description: 'data key',
      creation_date: '1502799822000',
      scheduled_deletion_date: '',
      key_state: '2',
      default_key_flag: '0',
      key_type: '1',
      expiration_time: '',
      origin: 'kms',
      key_rotation_enabled: 'false',
      sys_enterprise_project_id: '0',
      key_spec: 'AES_256',
      key_usage: 'ENCRYPT_DECRYPT',
      keystore_id: '0',
    },
  }),
);

if (process.argv[1]?.endsWith('fixed-server.ts')) {
  const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': BODY.length, 'X-Request-Id': 'fixed' });
      res.end(BODY);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
  });
  process.stdin.on('end', () => server.close(() => process.exit(0)));
  process.stdin.resume();
}
