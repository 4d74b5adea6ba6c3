import type { JsonObject, JsonValue } from '../../plan/records.js';

/** Retry settings of a stage, with p-retry's names and defaults filled in. @internal */
export interface StageRetry {
  readonly retries: number;
  readonly factor: number;
  readonly minTimeout: number;
  readonly maxTimeout: number;
}

/**
 * The default retry of a stage: 3 retries, 500 ms, 1 s, 2 s apart (p-retry's exponential backoff,
 * on the world's clock). `$retry: false` turns it off; `$retry: { … }` replaces it.
 */
export const DEFAULT_STAGE_RETRY: StageRetry = {
  retries: 3,
  factor: 2,
  minTimeout: 500,
  maxTimeout: 30_000,
};

/** A stage's settings, read from the `$` keys of its props. @internal */
export interface RuntimeStageSettings {
  readonly retry: StageRetry | undefined;
  readonly timeoutMs: number | undefined;
  readonly fallback: { readonly action: string; readonly props: JsonObject } | undefined;
  readonly input: JsonValue | undefined;
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const num = (value: unknown, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;

/**
 * Reads a stage's settings (validated when the flow was saved; read defensively all the same, a
 * stored plan may come from an older version).
 *
 * @internal
 */
export function runtimeSettings(props: JsonObject, retryByDefault = true): RuntimeStageSettings {
  const retry = props.$retry;
  const fallback = props.$fallback;
  const timeout = props.$timeout;
  return {
    retry:
      retry === false
        ? undefined
        : isObject(retry)
          ? {
              retries: Math.floor(num(retry.retries, DEFAULT_STAGE_RETRY.retries)),
              factor: num(retry.factor, DEFAULT_STAGE_RETRY.factor),
              minTimeout: num(retry.minTimeout, DEFAULT_STAGE_RETRY.minTimeout),
              maxTimeout: num(retry.maxTimeout, DEFAULT_STAGE_RETRY.maxTimeout),
            }
          : retryByDefault
            ? DEFAULT_STAGE_RETRY
            : undefined,
    timeoutMs: typeof timeout === 'number' && timeout > 0 ? timeout : undefined,
    fallback:
      isObject(fallback) && typeof fallback.action === 'string'
        ? { action: fallback.action, props: isObject(fallback.props) ? fallback.props : {} }
        : undefined,
    input: props.$input,
  };
}

/** The delay before retry `n` (1-based): `min(minTimeout × factor^(n-1), maxTimeout)`. @internal */
export function stageRetryDelay(retry: StageRetry, n: number): number {
  return Math.min(Math.round(retry.minTimeout * retry.factor ** (n - 1)), retry.maxTimeout);
}
