/** What the long-running commands (`warden start`, `warden cloud`) share: ports, listening, stopping. */

/** Waits for the server to listen; a busy port becomes an error naming it and how to choose another. */
export async function listening<T>(starting: Promise<T>, port: number, what: string, option: string): Promise<T> {
  try {
    return await starting;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${port} is already in use, so ${what} cannot listen on it; choose another with ${option}`);
    if (code === 'EACCES') throw new Error(`not allowed to listen on port ${port} for ${what}; choose another with ${option}`);
    throw error;
  }
}

export function parsePort(text: string, name: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`${name} must be a port number 0–65535, got ${JSON.stringify(text)}`);
  return port;
}

/** Resolves on the first SIGINT or SIGTERM; a second one while stopping exits at once. */
export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const force = () => process.exit(130);
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
