// The shape of COMMAND DOCS' argument data (Redis 7.0's `struct redisCommandArg` and friends).

export type ArgType = 'string' | 'integer' | 'double' | 'key' | 'pattern' | 'unix-time' | 'pure-token' | 'oneof' | 'block';
export type ArgFlag = 'optional' | 'multiple' | 'multiple_token';

export interface ArgDoc {
  name: string;
  type: ArgType;
  /** Index into the command's key specs, for `key` arguments. */
  key_spec_index?: number;
  token?: string;
  summary?: string;
  since?: string;
  deprecated_since?: string;
  flags?: readonly ArgFlag[];
  /** The alternatives of a `oneof`, or the parts of a `block`. */
  arguments?: readonly ArgDoc[];
}

export type DocFlag = 'deprecated' | 'syscmd';

export interface CommandDocExtra {
  summary?: string;
  since?: string;
  group?: string;
  complexity?: string;
  doc_flags?: readonly DocFlag[];
  deprecated_since?: string;
  replaced_by?: string;
  /** [version, what changed] pairs. */
  history?: readonly (readonly [string, string])[];
  arguments?: readonly ArgDoc[];
}
