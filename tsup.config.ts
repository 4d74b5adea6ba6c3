import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'sqlite/index': 'src/persistence/sqlite/index.ts',
    'postgres/index': 'src/persistence/postgres/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
  // Storage drivers and the test runner are optional peers: never bundled.
  external: ['better-sqlite3', 'pg', 'vitest'],
});
