import type { ExpectStatic } from 'vitest';
import type * as VitestModule from 'vitest';
import { ErrorCode, FlowlineError } from '../errors.js';

/**
 * vitest, for the adapter conformance suite only, loaded when `flowline/testing` is imported if it
 * is installed: the rest of the test kit (the single-action harness, the managed clock) works
 * without it, under any test runner. A dynamic import, so that inside vitest the suite gets the
 * runner's own module, as a static import would.
 */
type Vitest = typeof VitestModule;

let loaded: Vitest | undefined;
try {
  loaded = await import('vitest');
} catch {
  loaded = undefined;
}

/**
 * The vitest module.
 *
 * @throws FlowlineError `MISSING_DEPENDENCY` when vitest is not installed
 * @internal
 */
export function vitest(): Vitest {
  if (loaded === undefined) {
    throw new FlowlineError(
      ErrorCode.MISSING_DEPENDENCY,
      'runAdapterConformance runs inside vitest, which is not installed: run npm install --save-dev vitest',
    );
  }
  return loaded;
}

/** vitest's `expect`, looked up when used. @internal */
export const expect: ExpectStatic = new Proxy(function expect() {} as unknown as ExpectStatic, {
  apply: (_target, _this, args: unknown[]) =>
    (vitest().expect as (...given: unknown[]) => unknown)(...args),
  get: (_target, key) => Reflect.get(vitest().expect, key) as unknown,
});
