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
   * ListBackups' `children` of a server backup: `listed` (default) gives its disk backups, as ShowBackup's
   * example does; `empty` gives `[]`, as ListBackups' own example shows for a server backup. ShowBackup always
   * lists them.
   */
  readonly listBackupsChildren?: 'listed' | 'empty';
}
