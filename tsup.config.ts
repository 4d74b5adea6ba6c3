import { defineConfig } from 'tsup';
import type { Options } from 'tsup';

const shared: Options = {
  dts: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
  // Storage drivers and the test runner are optional peers: never bundled.
  external: ['better-sqlite3', 'pg', 'vitest'],
};

export default defineConfig([
  {
    ...shared,
    entry: {
      index: 'src/index.ts',
      'sqlite/index': 'src/persistence/sqlite/index.ts',
      'postgres/index': 'src/persistence/postgres/index.ts',
    },
    format: ['esm', 'cjs'],
    clean: true,
  },
  {
    // The conformance suite runs inside vitest, which is ESM-only: no CommonJS build.
    ...shared,
    entry: { 'testing/index': 'src/testing/index.ts' },
    format: ['esm'],
    clean: false,
  },
]);
