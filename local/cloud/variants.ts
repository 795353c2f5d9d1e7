/**
 * Behaviours the API documents leave open, and which one the local cloud shows. The defaults follow the
 * documents' most direct reading; the others let tests prove our functions stay correct whichever way the
 * real cloud turns out to behave.
 */
export interface ApiVariants {
  /**
   * ListKmsByTags without `tags` (the document does not say the filter is required): `all` (default) lists
   * every key, an untagged one with `tags: []`; `tagged-only` leaves untagged keys out; `refused` answers 400.
   */
  readonly unfilteredListKmsByTags?: 'all' | 'tagged-only' | 'refused';
  /**
   * ListKmsByTags' `resource_detail`: `object` (default, as the document defines it), `array` (a one-element
   * array, as the document's example shows it) or `absent`.
   */
  readonly listKmsByTagsDetail?: 'object' | 'array' | 'absent';
  /**
   * The values in ListKmsByTags' `resource_detail`: `strings` (default, as the official model KeyDetails types
   * every field: `key_state: "2"`, `key_rotation_enabled: "false"`), or `numeric` (numbers and booleans,
   * `key_state: 2`, `key_rotation_enabled: false`, as the document's example shows them).
   */
  readonly listKmsByTagsDetailValues?: 'strings' | 'numeric';
  /**
   * How FunctionGraph shows `encrypted_user_data` back: `blanked` (default, as CreateFunction's example
   * answers `{"password":""}`: the variable names, every value empty) or `absent` (not at all).
   */
  readonly encryptedUserDataReadBack?: 'blanked' | 'absent';
  /**
   * UpdateFunctionConfig without an optional field (`user_data`, `encrypted_user_data`, `description`, `xrole`…):
   * `cleared` (default: the call replaces the whole configuration, as a PUT does) or `kept` (unchanged). The
   * API document says neither; a deployer that always sends the whole configuration is right under both.
   */
  readonly updateFunctionConfigOmitted?: 'cleared' | 'kept';
  /**
   * API gateways on offer: `shared` (default) takes APIG triggers without an `instance_id`; `dedicated-only`,
   * as in regions that offer only dedicated gateways, refuses them (400) unless they name the gateway instance.
   */
  readonly apigGateways?: 'shared' | 'dedicated-only';
  /**
   * The most items the cloud puts on one page, whatever `limit` asks (default: as asked). A cloud that pages
   * by fewer than asked, honestly: cursors, `truncated`, `page_info` and totals are those of the page it sends.
   */
  readonly pageCap?: number;
  /**
   * ListKeys' `total` ("密钥总条数") under a filter (`key_state`, `key_spec`): `matching` (default) counts the keys
   * the filter lists, `all` every key of the project.
   */
  readonly listKeysTotal?: 'matching' | 'all';
  /**
   * CSMS `page_info.next_marker` ("下一页查询地址(本页的末尾凭据名称…)": this page's last name): `when-more`
   * (default) only when more items follow, `always` on every page that holds items, so that a listing ends
   * on an empty page.
   */
  readonly csmsNextMarker?: 'when-more' | 'always';
  /**
   * CTS ListTraces' `next` ("from this trace's record time, earlier"): `after` (default) lists the traces after
   * the marker trace; `from` lists the marker trace again at the top of the next page.
   */
  readonly ctsNext?: 'after' | 'from';
  /**
   * ListBackups' `children` of a server backup: `listed` (default) gives its disk backups, as ShowBackup's
   * example does; `empty` gives `[]`, as ListBackups' own example shows for a server backup. ShowBackup always
   * lists them.
   */
  readonly listBackupsChildren?: 'listed' | 'empty';
}

/** The page size a listing answers with: as asked (or the API's default), at most the cloud's `pageCap`. */
export function pageSizeOf(variants: ApiVariants, asked: number): number {
  return variants.pageCap === undefined ? asked : Math.max(1, Math.min(asked, variants.pageCap));
}
