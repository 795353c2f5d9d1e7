/** `node --import tsx --cpu-prof bench/profile-requests.ts [seconds]`: our client alone against the fixed server, for a CPU profile. */
import { fileURLToPath } from 'node:url';
import { HuaweiCloud } from '../shared/hwc/index.ts';
import { startChild } from './lib/child.ts';
import { FIXED_KEY_ID } from './lib/fixed-server.ts';

const server = await startChild<{ url: string }>(fileURLToPath(new URL('./lib/fixed-server.ts', import.meta.url)));
const cloud = new HuaweiCloud({
  region: 'cn-north-4',
  projectId: '0123456789abcdef0123456789abcdef',
  credentials: { type: 'aksk', ak: 'AK', sk: 'SK' },
  endpoints: { kms: server.info.url },
  connections: 16,
});
const deadline = performance.now() + Number(process.argv[2] ?? 4) * 1000;
let n = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (performance.now() < deadline) {
      await cloud.kms.listKeyDetail({ key_id: FIXED_KEY_ID });
      n++;
    }
  }),
);
console.log(`${n} requests`);
await cloud.close();
await server.stop();
