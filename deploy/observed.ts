/**
 * What deploy reads from FunctionGraph before it plans, typed with the API's own response fields (the ones
 * deploy uses), so that the FunctionGraph client's answers map in as they are.
 */

/** One function as ListFunctions lists it (`ListFunctionResult`); ShowFunctionConfig answers the same fields. */
export interface ObservedFunction {
  readonly func_name: string;
  /** ListFunctions gives it without a version, ShowFunctionConfig with `:latest`. */
  readonly func_urn: string;
  readonly package: string;
  readonly runtime: string;
  readonly handler: string;
  readonly memory_size: number;
  readonly timeout: number;
  /** SHA-512 (hex) of the code zip as uploaded. */
  readonly digest: string;
  readonly code_size?: number | undefined;
  readonly code_type?: string | undefined;
  readonly description?: string | undefined;
  readonly xrole?: string | undefined;
  /** JSON object of strings, as sent. */
  readonly user_data?: string | undefined;
  /** JSON object with the same names as sent and every value blanked. */
  readonly encrypted_user_data?: string | undefined;
  readonly last_modified?: string | undefined;
}

/** One trigger as ListFunctionTriggers answers it (a bare array of these). */
export interface ObservedTrigger {
  readonly trigger_id: string;
  readonly trigger_type_code: string;
  readonly trigger_status: string;
  readonly event_data: Readonly<Record<string, unknown>>;
  readonly created_time?: string | undefined;
  readonly last_updated_time?: string | undefined;
}

export interface ObservedRegion {
  /** Every function of the service's package (the whole listing, every page). */
  readonly functions: readonly ObservedFunction[];
  /** ListFunctionTriggers of each function deploy owns and is about to compare, by `func_name`. */
  readonly triggers: ReadonlyMap<string, readonly ObservedTrigger[]>;
}
