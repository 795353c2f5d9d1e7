import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The Chromium the status page test drives: `CHROME_PATH` when set, else the first of the usual names on PATH
 * (Debian's `chromium`, Ubuntu's and Fedora's `chromium-browser`, Google's `google-chrome[-stable]`), else the
 * macOS application bundles (Homebrew's `--cask chromium`, Google Chrome). None found: an error naming
 * CHROME_PATH and how to install one.
 */

export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;
const MAC_APPS = ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'];

export function findChromium(env: Readonly<Record<string, string | undefined>> = process.env, platform: NodeJS.Platform = process.platform): string {
  const explicit = env['CHROME_PATH'];
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new Error(`CHROME_PATH=${explicit} is not an executable file: point it at a Chromium or Chrome binary, or unset it to search PATH`);
  }
  const dirs = (env['PATH'] ?? '').split(delimiter).filter(Boolean);
  for (const name of CHROMIUM_NAMES) {
    for (const dir of dirs) if (isExecutable(join(dir, name))) return join(dir, name);
  }
  if (platform === 'darwin') for (const app of MAC_APPS) if (isExecutable(app)) return app;
  const install =
    platform === 'darwin'
      ? 'brew install --cask chromium'
      : 'sudo apt-get install -y chromium (Debian), sudo apt-get install -y chromium-browser (Ubuntu), sudo dnf install -y chromium (Fedora)';
  throw new Error(
    `no Chromium found for the status page test: none of ${CHROMIUM_NAMES.join(', ')} is on PATH. Install one (${install}) or set CHROME_PATH to a Chromium or Chrome binary`,
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
