import type { CtsUser } from './schemas/cts.ts';

/** The user fields describeUser reads (a parsed CtsUser, or any object with the same names). */
export type CtsUserLike = Partial<Pick<CtsUser, 'type' | 'name' | 'user_name' | 'principal_urn' | 'principal_id' | 'id'>>;

/**
 * The creator string for a CTS trace user, following CTS's "Relationship Between IAM Identities and
 * Operators" table:
 *
 * | type            | result                        | from                                                                  |
 * |-----------------|-------------------------------|-----------------------------------------------------------------------|
 * | `User`          | `<user-name>`                 | `name` (else `user_name`)                                             |
 * | `AssumedAgency` | `<agency-name>/<session-name>` | `principal_urn` `sts::<acct>:assumed-agency:<agency>/<session>`;     |
 * |                 |                               | else agency from `name` (`<domain>/<agency>`) + session from          |
 * |                 |                               | `principal_id` (`<agency-id>:<session>`); else `name`                 |
 * | `ExternalUser`  | `<idp_id>/<user-session-name>` | `principal_urn` `sts::<acct>:external-user:<idp>/<session>`; else    |
 * |                 |                               | `name` (already `<idp_id>/<session>`); else `principal_id` `idp:sess` |
 * | missing/other   | `name`                        | older traces carry no type; `name` is what the CTS console shows      |
 *
 * The session name of an agency is usually the IAM user (or service) that assumed it, which is the
 * useful "who" for a created-by tag. Never empty: falls back to ids, then "unknown".
 */
export function describeUser(user: CtsUserLike): string {
  const name = nonEmpty(user.name) ?? nonEmpty(user.user_name);
  switch (user.type?.toLowerCase()) {
    case 'assumedagency': {
      const fromUrn = urnTail(user.principal_urn, 'assumed-agency');
      if (fromUrn) return fromUrn;
      const agency = name?.includes('/') ? name.slice(name.indexOf('/') + 1) : name;
      const session = afterFirst(user.principal_id, ':');
      if (agency && session) return `${agency}/${session}`;
      return name ?? fallback(user);
    }
    case 'externaluser': {
      const fromUrn = urnTail(user.principal_urn, 'external-user');
      if (fromUrn) return fromUrn;
      if (name) return name;
      const id = nonEmpty(user.principal_id);
      return id?.includes(':') ? id.replace(':', '/') : fallback(user);
    }
    default:
      return name ?? fallback(user);
  }
}

/** `sts::<account-id>:<kind>:<rest>` → `<rest>`. */
function urnTail(urn: string | undefined, kind: string): string | undefined {
  if (!urn) return undefined;
  const marker = `:${kind}:`;
  const at = urn.indexOf(marker);
  if (!urn.startsWith('sts::') || at < 0) return undefined;
  return nonEmpty(urn.slice(at + marker.length));
}

function afterFirst(value: string | undefined, separator: string): string | undefined {
  if (!value) return undefined;
  const at = value.indexOf(separator);
  return at < 0 ? undefined : nonEmpty(value.slice(at + 1));
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function fallback(user: CtsUserLike): string {
  return nonEmpty(user.principal_id) ?? nonEmpty(user.id) ?? 'unknown';
}
