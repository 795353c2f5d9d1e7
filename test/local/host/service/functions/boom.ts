/** Throws, with internals in the message that must never reach the caller. */
export const handler = async (): Promise<never> => {
  throw new Error('connection to db.internal:5432 failed (password hunter2) at /srv/app/boom.ts:3');
};
