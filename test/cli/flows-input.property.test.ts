/**
 * `flowline flows run --input` with malformed JSON (property-based, in-process): a usage error
 * naming the flag, one line and the usage hint, no stack trace, and nothing written to the store.
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/context.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { run } from '../../src/cli/run.js';
import type { PersistenceAdapter } from '../../src/persistence/adapter.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { createStore, hasStackTrace, ROOT } from './helpers.js';

/** Runs the command in-process with a recording io. */
async function runInProcess(argv: readonly string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: ROOT,
    onSignal: () => () => undefined,
    exit: (code) => {
      throw new Error(`unexpected exit(${String(code)}); stderr: ${stderr}`);
    },
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Text that is almost JSON, or not at all. */
const malformed = fc
  .oneof(
    fc.string(),
    fc.json().map((json) => json.slice(0, Math.max(0, json.length - 1))),
    fc.json().map((json) => `${json},`),
    fc.json().map((json) => json.replace(/"/g, "'")),
    fc.constantFrom('{a:1}', 'undefined', 'NaN', "'x'", '[1,]', '{"a":1}}', '', ' ', '01'),
  )
  .filter((text) => !isJson(text));

describe('flowline flows run --input (property-based)', () => {
  it('refuses malformed JSON naming --input, and writes nothing', async () => {
    const store = await createStore();
    const flow = path.join('test/cli/fixtures/flows/diamond.yaml');
    await fc.assert(
      fc.asyncProperty(malformed, fc.boolean(), async (input, json) => {
        const argv = [
          'flows',
          'run',
          flow,
          `--input=${input}`,
          '--store',
          store.spec,
          ...(json ? ['--json'] : []),
        ];
        const ended = await runInProcess(argv);
        expect(ended.code, ended.stderr).toBe(ExitCode.USAGE);
        expect(ended.stdout).toBe('');
        expect(hasStackTrace(ended.stderr)).toBe(false);
        const [first, hint] = ended.stderr.split('\n');
        expect(first).toMatch(/^flowline: option --input must be JSON \(e\.g\. .*\): \S/);
        expect(hint).toBe("Run 'flowline flows run --help' for usage.");
      }),
      { numRuns: 200 },
    );
    const adapter: PersistenceAdapter = new SqliteAdapter({ filename: store.filename });
    await adapter.start();
    try {
      expect(await adapter.findPlans({})).toEqual([]);
      expect((await adapter.findFlowVersions?.({})) ?? []).toEqual([]);
    } finally {
      await adapter.close();
    }
  });
});
