import type { JsonObject } from '../../plan/records.js';
import type { JsonSchema } from '../stage-action.js';

/**
 * The stage settings: reserved `$` keys of a stage's props, which the flows runtime applies around
 * the stage action (they are not passed to `process`).
 *
 * - `$retry`: `false` (no retries) or `{ retries, factor?, minTimeout?, maxTimeout? }`
 *   (p-retry's option names; absent ones take the stage default's values). Absent: the stage
 *   default, 3 retries 500 ms, 1 s, 2 s apart.
 * - `$timeout`: milliseconds a single attempt may take (a positive, finite number).
 * - `$fallback`: `{ action, props? }`, a stage action run when the stage fails after its retries;
 *   its output takes the stage's place.
 * - `$input`: a JSON schema (draft-07) of the expected input; input that does not match adds a
 *   warning to the run.
 */
export const STAGE_SETTING_KEYS = ['$retry', '$timeout', '$fallback', '$input'] as const;

/** One of {@link STAGE_SETTING_KEYS}. */
export type StageSettingKey = (typeof STAGE_SETTING_KEYS)[number];

/** `$retry` as an object: p-retry's option names (absent ones take the stage default's values). */
export interface RetrySettings {
  /** Retries after the first attempt (an integer, 0 or more). */
  readonly retries: number;
  /** Exponential factor of the backoff (greater than 0). @default 2 */
  readonly factor?: number;
  /** Milliseconds before the first retry (0 or more). @default 500 */
  readonly minTimeout?: number;
  /** The most milliseconds between two retries (0 or more). @default 30000 */
  readonly maxTimeout?: number;
}

/** `$fallback`: the stage action run when the stage fails after its retries. */
export interface FallbackSettings {
  /** The stage action's name. */
  readonly action: string;
  /** Its props (`{}` when not given). */
  readonly props: JsonObject;
}

/** A stage's settings, read from its props (see {@link STAGE_SETTING_KEYS}). */
export interface StageSettings {
  /** `false`: no retries; `undefined`: the runtime's default. */
  readonly retry: RetrySettings | false | undefined;
  /** `$timeout` in milliseconds, when set. */
  readonly timeoutMs: number | undefined;
  /** `$fallback`, when set. */
  readonly fallback: FallbackSettings | undefined;
  /** `$input`, when set. */
  readonly input: JsonSchema | undefined;
}

/**
 * The settings of a stage from its props, which `parseFlow` has validated (what it would refuse
 * is not looked at again here).
 *
 * @param props - the stage's props, `$` keys included
 * @example
 * ```ts
 * stageSettings({ url: 'https://x', $timeout: 5000, $retry: false });
 * // { retry: false, timeoutMs: 5000, fallback: undefined, input: undefined }
 * ```
 */
export function stageSettings(props: JsonObject): StageSettings {
  const retry = props.$retry as RetrySettings | false | undefined;
  const timeout = props.$timeout;
  const fallback = props.$fallback as { action: string; props?: JsonObject } | undefined;
  return {
    retry: retry === false ? false : retry === undefined ? undefined : { ...retry },
    timeoutMs: typeof timeout === 'number' ? timeout : undefined,
    fallback:
      fallback === undefined ? undefined : { action: fallback.action, props: fallback.props ?? {} },
    input: props.$input as JsonSchema | undefined,
  };
}
