import type { ApiContext } from '../api.ts';
import type { FgsFunction } from '../state.ts';
import { badParameter, functionNotFound, versionNotFound } from './rules.ts';

/**
 * The function a path's `function_urn` names: `urn:fss:<region>:<project>:function:<package>:<name>`, with or
 * without a version. Only `latest` exists here (no versions are published); another version or alias is a 404
 * (FSS.1052), a function of another region or project, or none, a 404 (FSS.1051).
 */
export interface NamedFunction {
  readonly fn: FgsFunction;
  /** The version the URN names (`latest`), or undefined for an unversioned URN. */
  readonly version: string | undefined;
}

export function namedFunction(ctx: ApiContext): NamedFunction {
  const urn = ctx.params['function_urn'] ?? '';
  const parts = urn.split(':');
  const wellFormed =
    (parts.length === 7 || parts.length === 8) && parts[0] === 'urn' && parts[1] === 'fss' && parts[4] === 'function' && parts.every((part) => part !== '');
  if (!wellFormed) throw badParameter('function_urn must be urn:fss:<region>:<project_id>:function:<package>:<name>[:<version>]');
  const fn = ctx.project.functions.get(parts.slice(0, 7).join(':'));
  if (!fn || parts[2] !== ctx.state.region) throw functionNotFound();
  const version = parts[7];
  if (version !== undefined && version !== 'latest') throw versionNotFound();
  return { fn, version };
}
