/**
 * The conformance suite on an adapter without the optional flow-version methods (a custom adapter
 * written before `flowline/flows`): every other group runs; the `flowVersions` tests are reported
 * as skipped, each with a note naming the missing methods.
 */
import type { PersistenceAdapter } from '../../src/persistence/adapter.js';
import { MemoryAdapter } from '../../src/persistence/memory-adapter.js';
import { runAdapterConformance } from '../../src/testing/index.js';

const OPTIONAL = new Set<PropertyKey>(['saveFlowVersions', 'findFlowVersions']);

/** A memory adapter that lacks the optional methods, as an adapter that never had them. */
function withoutFlowVersions(): PersistenceAdapter {
  const inner = new MemoryAdapter();
  return new Proxy(inner, {
    get(target, key) {
      if (OPTIONAL.has(key)) return undefined;
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
    has: (target, key) => !OPTIONAL.has(key) && Reflect.has(target, key),
  });
}

runAdapterConformance('MemoryAdapter without flow versions', withoutFlowVersions);
