import { copyFile, mkdir } from 'node:fs/promises';
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

/** The library's entry points, built for both `import` and `require`. */
const library = {
  index: 'src/index.ts',
  'adapter/index': 'src/persistence/index.ts',
  'sqlite/index': 'src/persistence/sqlite/index.ts',
  'postgres/index': 'src/persistence/postgres/index.ts',
  'console/index': 'src/console/index.ts',
  'flows/index': 'src/flows/index.ts',
};

/** `flowline/flows/schema.json`: the flow schema as a file, for editors (the code inlines it). */
async function copyFlowSchema(): Promise<void> {
  await mkdir('dist/flows', { recursive: true });
  await copyFile('src/flows/definition/schema.json', 'dist/flows/schema.json');
}

// `npm run build` empties dist/ first (the prebuild script): the builds below run in parallel, and a
// `clean` in one of them would delete the type declarations another has already written.
export default defineConfig([
  {
    // ESM, with the `flowline` command (package.json "bin") and `flowline/testing` in the same
    // build: they share the library's chunks, so a user's `--actions` module importing 'flowline'
    // gets the very same Action class, and so does the single-action test harness (it binds
    // instances of the user's classes). The command uses import.meta, hence ESM only.
    ...shared,
    entry: { ...library, 'cli/main': 'src/cli/main.ts', 'testing/index': 'src/testing/index.ts' },
    format: ['esm'],
    clean: false,
    onSuccess: copyFlowSchema,
  },
  {
    // CommonJS. `flowline/testing` has its own entry here: everything but the adapter conformance
    // suite, which runs inside vitest (ESM only) and, when required, says to use `import`.
    // The storage drivers are loaded with createRequire(import.meta.url): the shim provides it.
    ...shared,
    entry: { ...library, 'testing/index': 'src/testing/require.ts' },
    format: ['cjs'],
    shims: true,
    clean: false,
  },
]);
