import type { ServiceDefinition } from './serverless.ts';

/**
 * Each function's least-privilege agency policy, as the IAM console's JSON editor takes a custom policy
 * (fine-grained, `Version` 1.1), from serverless.yml's `custom.permissions`: README's "Deploying" shows them,
 * and a test keeps the two equal.
 */
export interface IamPolicy {
  readonly Version: '1.1';
  readonly Statement: ReadonlyArray<{ readonly Effect: 'Allow'; readonly Action: readonly string[] }>;
}

export function agencyPolicies(service: ServiceDefinition): Record<string, IamPolicy> {
  const policies: Record<string, IamPolicy> = {};
  for (const [name, actions] of Object.entries(service.custom?.permissions ?? {})) {
    policies[name] = { Version: '1.1', Statement: [{ Effect: 'Allow', Action: [...actions] }] };
  }
  return policies;
}
