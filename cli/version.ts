import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The version in the project's package.json (`warden --version`). */
export function version(root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
