/**
 * The package as a consumer installs it: dist/ and package.json copied into a fresh project's
 * node_modules/flowline, with the runtime dependencies and none of the optional peers (no
 * better-sqlite3, no pg, no vitest). CI builds before testing; locally these tests are skipped
 * (with the reason in their title) until `npm run build` has been run.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = path.join(ROOT, 'dist');
const built = existsSync(path.join(DIST, 'testing/index.cjs'));
if (!built) console.warn(`built package tests skipped: ${DIST} is missing (run npm run build)`);

/** What flowline needs at run time (and what those need). */
const RUNTIME = [
  'eventemitter3',
  'immer',
  'p-retry',
  'is-network-error',
  // flowline/flows
  'yaml',
  'ajv',
  'fast-deep-equal',
  'json-schema-traverse',
  'require-from-string',
  'fast-uri',
  'jsonata',
  '@datadog',
];

let project: string;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a script file written into the consumer project. */
function runScript(name: string, source: string): Promise<Run> {
  const file = path.join(project, name);
  writeFileSync(file, source);
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { cwd: project }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr });
    });
  });
}

/** The end of the message for a driver that is not installed. */
function installHint(name: string): RegExp {
  return new RegExp(`the package ${name}, which is not installed: run npm install ${name}$`);
}

/** The one JSON line a script printed. */
function printed(run: Run): unknown {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
}

describe.skipIf(!built)(
  `the built package in a consumer project (skipped until dist/ exists)`,
  () => {
    beforeAll(() => {
      project = mkdtempSync(path.join(os.tmpdir(), 'flowline-consumer-'));
      const modules = path.join(project, 'node_modules');
      mkdirSync(path.join(modules, 'flowline'), { recursive: true });
      cpSync(DIST, path.join(modules, 'flowline/dist'), { recursive: true });
      cpSync(path.join(ROOT, 'package.json'), path.join(modules, 'flowline/package.json'));
      for (const name of RUNTIME) {
        symlinkSync(path.join(ROOT, 'node_modules', name), path.join(modules, name), 'dir');
      }
      writeFileSync(path.join(project, 'package.json'), '{ "name": "consumer", "private": true }');
    });

    afterAll(() => {
      rmSync(project, { recursive: true, force: true });
    });

    const harnessScript = (load: string): string => `${load}
class Charge extends Action {
  run() {
    this.log.info('charging');
    this.output.charged = this.input.cents;
  }
}
const test = testAction(Charge, { input: { cents: 500 }, clock: new ManagedClock(0) });
test.run().then((result) => {
  let conformance;
  try {
    runAdapterConformance('x', () => undefined);
    conformance = 'registered';
  } catch (error) {
    conformance = error.code + ': ' + error.message;
  }
  console.log(JSON.stringify({ kind: result.kind, output: test.output, log: test.log.length, conformance }));
});
`;

    it("require('flowline/testing') works: the harness runs an action of require('flowline')", async () => {
      const run = await runScript(
        'harness.cjs',
        harnessScript(
          "const { Action } = require('flowline');\n" +
            "const { ManagedClock, testAction, runAdapterConformance } = require('flowline/testing');",
        ),
      );
      const result = printed(run) as { kind: string; output: unknown; conformance: string };
      expect(result).toMatchObject({ kind: 'success', output: { charged: 500 }, log: 1 });
      // The conformance suite needs vitest, an ES module: required, it says to use import.
      expect(result.conformance).toMatch(/^MISSING_DEPENDENCY: .*import \{/);
    });

    it("import 'flowline/testing' works without vitest installed, with the same Action as 'flowline'", async () => {
      const run = await runScript(
        'harness.mjs',
        harnessScript(
          "import { Action } from 'flowline';\n" +
            "import { ManagedClock, testAction, runAdapterConformance } from 'flowline/testing';",
        ),
      );
      const result = printed(run) as { kind: string; output: unknown; conformance: string };
      expect(result).toMatchObject({ kind: 'success', output: { charged: 500 } });
      expect(result.conformance).toMatch(/^MISSING_DEPENDENCY: .*npm install --save-dev vitest/);
    });

    it('both module systems export the same names from flowline/testing', async () => {
      const run = await runScript(
        'names.mjs',
        "import { createRequire } from 'node:module';\n" +
          "const esm = Object.keys(await import('flowline/testing')).sort();\n" +
          "const cjs = Object.keys(createRequire(import.meta.url)('flowline/testing')).sort();\n" +
          'console.log(JSON.stringify({ esm, cjs }));\n',
      );
      const { esm, cjs } = printed(run) as { esm: string[]; cjs: string[] };
      expect(cjs).toEqual(esm);
      expect(esm).toEqual(
        expect.arrayContaining(['ManagedClock', 'testAction', 'runAdapterConformance']),
      );
    });

    for (const system of ['cjs', 'mjs'] as const) {
      it(`flowline/flows runs a flow on the memory store, and ships its schema (${system})`, async () => {
        const load =
          system === 'cjs'
            ? "const { World } = require('flowline');\n" +
              "const { Flows, StageAction, parseFlow } = require('flowline/flows');\n" +
              "const schema = require('flowline/flows/schema.json');\n" +
              'const main = async (fn) => fn();\n'
            : "import { World } from 'flowline';\n" +
              "import { Flows, StageAction, parseFlow } from 'flowline/flows';\n" +
              "import { createRequire } from 'node:module';\n" +
              "const schema = createRequire(import.meta.url)('flowline/flows/schema.json');\n" +
              'const main = async (fn) => fn();\n';
        const run = await runScript(
          `flows.${system}`,
          `${load}
class Double extends StageAction {
  static actionName = 'Double';
  process(data) { return data * 2; }
}
main(async () => {
  const world = new World();
  const flows = new Flows({ world, actions: [Double] });
  await world.start();
  const text = 'name: twice\\nstages:\\n  - { name: in, action: Manual Trigger, props: {}, out: [d] }\\n  - { name: d, action: Double, props: {}, out: [] }\\n';
  parseFlow(text, { actions: [Double] });
  await flows.save(text);
  const run = flows.trigger('twice', 21);
  const plan = await run.finished;
  let invalid;
  try { parseFlow('name: x\\nstages: 3\\n', { fileName: 'x.yaml' }); } catch (error) { invalid = error.code; }
  console.log(JSON.stringify({ result: plan.result, d: await flows.result(run.id, 'd'), invalid, schema: schema.required }));
  await world.close();
});
`,
        );
        expect(printed(run)).toEqual({
          result: 'success',
          d: 42,
          invalid: 'INVALID_FLOW_DEFINITION',
          schema: ['name', 'stages'],
        });
      });

      it(`a missing better-sqlite3 or pg is a MISSING_DEPENDENCY naming the package to install (${system})`, async () => {
        const load =
          system === 'cjs'
            ? "const { SqliteAdapter } = require('flowline/sqlite');\n" +
              "const { PostgresAdapter } = require('flowline/postgres');\n"
            : "import { SqliteAdapter } from 'flowline/sqlite';\n" +
              "import { PostgresAdapter } from 'flowline/postgres';\n";
        const run = await runScript(
          `peers.${system}`,
          `${load}
const attempt = (fn) => {
  try {
    fn();
    return 'constructed';
  } catch (error) {
    return { name: error.name, code: error.code, message: error.message };
  }
};
console.log(JSON.stringify({
  sqlite: attempt(() => new SqliteAdapter({ filename: 'x.db' })),
  postgres: attempt(() => new PostgresAdapter({ connectionString: 'postgres://localhost/x' })),
  // An application's own pool: the adapter never needs pg itself.
  pool: attempt(() => new PostgresAdapter({ pool: { query() {}, connect() {}, on() {} } })),
}));
`,
        );
        const result = printed(run) as Record<string, unknown>;
        expect(result.sqlite).toEqual({
          name: 'FlowlineError',
          code: 'MISSING_DEPENDENCY',
          message: expect.stringMatching(installHint('better-sqlite3')) as unknown,
        });
        expect(result.postgres).toEqual({
          name: 'FlowlineError',
          code: 'MISSING_DEPENDENCY',
          message: expect.stringMatching(installHint('pg')) as unknown,
        });
        expect(result.pool).toBe('constructed');
      });
    }
  },
);
