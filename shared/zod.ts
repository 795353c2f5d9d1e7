/**
 * The one zod import of everything bundled into a function: `zod/mini` (functional API, tree-shakes to
 * ≈ 20 KB) instead of classic `zod` (≈ 450 KB, not tree-shakable; see BENCHMARKS.md). zod/mini ships no
 * locale, so English messages ("Too small: expected string to have >=1 characters", …) are registered
 * here, the same ones classic zod uses; error messages are part of our behaviour.
 * `test/deploy/bundle-size.test.ts` fails if classic zod gets into a function bundle.
 */
import { config, pipe, transform } from 'zod/mini';
import type { ZodMiniPipe, ZodMiniTransform, ZodMiniType, core, output } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

// Import as `import * as z from '…/zod.ts'` and use `z.string()` etc.: a namespace import read only through
// property accesses tree-shakes; re-exporting a namespace object (`export { z }`) would pull all of zod in.
export * from 'zod/mini';

/** Classic `schema.transform(fn)`: `schema`, then `fn` over its output (the output type follows `fn`). */
export function transformed<A extends ZodMiniType, O>(
  schema: A,
  fn: (value: output<A>, payload: core.ParsePayload) => O,
): ZodMiniPipe<A, ZodMiniTransform<Awaited<O>, output<A>>> {
  return pipe(schema, transform<output<A>, O>(fn));
}

/** Classic `z.preprocess(fn, schema)`: `fn` over the raw input, then `schema`. */
export function preprocess<S extends ZodMiniType>(
  fn: (value: unknown) => unknown,
  schema: S,
): ZodMiniPipe<ZodMiniTransform<unknown, unknown>, S> {
  return pipe(transform<unknown, unknown>(fn), schema);
}

/**
 * Classic `ctx.addIssue({ code: 'custom', message })` inside a transform (zod/mini's transform payload
 * has no `addIssue`); the caller then returns `z.NEVER`.
 */
export function addIssue(payload: core.ParsePayload, message: string, input: unknown = payload.value): void {
  payload.issues.push({ code: 'custom', message, input });
}
