/**
 * `flowline/testing` for CommonJS (`require('flowline/testing')`): the test harness, the managed
 * clock and the record builders. The adapter conformance suite runs inside vitest, which is an
 * ES module only: here {@link runAdapterConformance} throws, saying to use `import`.
 *
 * @packageDocumentation
 */
import { ErrorCode, FlowlineError } from '../errors.js';
import type { AdapterConformanceOptions, AdapterFactory } from './conformance.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';

export type { AdapterConformanceOptions, AdapterFactory, ConformanceGroup } from './conformance.js';
export * from './kit.js';

/**
 * The adapter conformance suite is only available to ES modules: it registers vitest tests, and
 * vitest cannot be required.
 *
 * @throws FlowlineError `MISSING_DEPENDENCY`, always, saying to use `import`
 */
export function runAdapterConformance<A extends PersistenceAdapter>(
  _name: string,
  _makeAdapter: AdapterFactory<A>,
  _options?: AdapterConformanceOptions<A>,
): void {
  throw new FlowlineError(
    ErrorCode.MISSING_DEPENDENCY,
    'runAdapterConformance runs inside vitest, which is an ES module: load it with import { ' +
      "runAdapterConformance } from 'flowline/testing' in an ES module test file (or await " +
      "import('flowline/testing')); require('flowline/testing') offers everything else",
  );
}
