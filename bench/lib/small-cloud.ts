/**
 * The local cloud with its default fixture, in its own process, for the cold-start bench's first-sweep figure:
 * prints `{ url, identity }`; closing its stdin ends it.
 */
import { startCloud } from '../../local/cloud/index.ts';

const cloud = await startCloud({ port: 0 });
process.stdout.write(`${JSON.stringify({ url: cloud.url, identity: cloud.identity })}\n`);
process.stdin.on('end', () => void cloud.close().then(() => process.exit(0)));
process.stdin.resume();
