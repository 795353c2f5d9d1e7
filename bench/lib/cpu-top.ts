/** `npx tsx bench/lib/cpu-top.ts <dir with a .cpuprofile> [n]`: the functions with the most self time. */
import { readdirSync, readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const dir = process.argv[2] ?? '.';
// tsx adds a loader thread with its own profile: take the busiest (least idle) one.
const profiles = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as Profile);
const busy = (p: Profile): number => {
  const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  return p.samples.reduce((sum, id, i) => sum + (idle.has(id) ? 0 : (p.timeDeltas[i] ?? 0)), 0);
};
const profile = profiles.sort((a, b) => busy(a) - busy(b)).pop();
if (!profile) throw new Error(`no .cpuprofile in ${dir}`);
const time = new Map<number, number>();
profile.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const self = new Map<string, number>();
let total = 0;
for (const node of profile.nodes) {
  const t = time.get(node.id) ?? 0;
  total += t;
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + t);
}
for (const [key, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 25))) {
  console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${key}`);
}

if (process.argv[4] === '--by-file') {
  const byFile = new Map<string, number>();
  for (const node of profile.nodes) {
    const t = time.get(node.id) ?? 0;
    const url = node.callFrame.url;
    const key = url.includes('node_modules/') ? url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1') : url ? url.split('/').slice(-2).join('/') : node.callFrame.functionName;
    byFile.set(key, (byFile.get(key) ?? 0) + t);
  }
  console.log('--- self time by package / file');
  for (const [key, t] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${key}`);
}
