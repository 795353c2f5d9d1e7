/**
 * serverless.yml variables. Only `${param:<name>}` is understood, filled from `--param <name>=<value>` as the
 * serverless framework does (`sls deploy --param="apigGroupId=…"`); any other `${…}` (`${opt:stage}`,
 * `${self:…}`, `${env:…}`, a fallback after a comma) is refused, naming where it is: warden would otherwise
 * deploy the text `${…}` itself.
 */

export type Params = Readonly<Record<string, string>>;

/** A `${param:<name>}` that no `--param` filled, left as written. */
export interface UnresolvedParam {
  /** Where it is, e.g. `functions.tag-new-keys.events[1].eventData.groupId`. */
  readonly path: string;
  readonly name: string;
}

export class ParamError extends Error {
  override readonly name = 'ParamError';
}

const PARAM_NAME = /^[A-Za-z0-9_.-]+$/;
const VARIABLE = /\$\{([^{}]*)\}/g;

/** `["apigGroupId=abc", …]` (each `--param` as given) → `{ apigGroupId: "abc" }`. */
export function parseParams(pairs: readonly string[]): Params {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0 || !PARAM_NAME.test(name)) {
      throw new ParamError(`--param ${JSON.stringify(pair)}: expected <name>=<value>, the name made of letters, digits, ".", "_" and "-"`);
    }
    if (Object.hasOwn(params, name)) throw new ParamError(`--param ${name} is given twice`);
    params[name] = pair.slice(eq + 1);
  }
  return params;
}

/**
 * The document with every `${param:<name>}` that `params` names replaced by its value; the others are left as
 * written and listed. Throws a ParamError naming the path of the first other kind of `${…}`.
 */
export function resolveParams(document: unknown, params: Params): { document: unknown; unresolved: UnresolvedParam[] } {
  const unresolved: UnresolvedParam[] = [];
  const visit = (value: unknown, path: readonly (string | number)[]): unknown => {
    if (typeof value === 'string') return substitute(value, path, params, unresolved);
    if (Array.isArray(value)) return value.map((item, index) => visit(item, [...path, index]));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('${')) throw new ParamError(`${formatPath([...path, key])}: a variable in a key is not supported`);
        out[key] = visit(item, [...path, key]);
      }
      return out;
    }
    return value;
  };
  return { document: visit(document, []), unresolved };
}

function substitute(text: string, path: readonly (string | number)[], params: Params, unresolved: UnresolvedParam[]): string {
  if (!text.includes('${')) return text;
  return text.replace(VARIABLE, (whole, inner: string) => {
    const match = /^\s*param:([^,\s]+)\s*$/.exec(inner);
    if (!match || !PARAM_NAME.test(match[1] as string)) {
      throw new ParamError(`${formatPath(path)}: ${whole} is not supported: warden reads only \${param:<name>}, given with --param <name>=<value>`);
    }
    const name = match[1] as string;
    if (Object.hasOwn(params, name)) return params[name] as string;
    unresolved.push({ path: formatPath(path), name });
    return whole;
  });
}

/** `["functions", "a", "events", 1, "eventData"]` → `functions.a.events[1].eventData`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}
