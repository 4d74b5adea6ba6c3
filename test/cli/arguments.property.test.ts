/**
 * Property-based tests of the command line, in-process (`run(argv, io)` with a recording `io`):
 * whatever malformed arguments a command gets, it ends with the usage exit code and one line
 * saying what is wrong (plus the usage hint, and the JSON error with `--json`), never a stack trace,
 * never a hang, and it touches no store.
 */
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/context.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { COMMANDS, run } from '../../src/cli/run.js';
import { hasStackTrace, tempDir } from './helpers.js';

/** How one run ended. */
interface Ended {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command in-process with a recording io; a signal or exit request is a failure. */
async function runInProcess(argv: readonly string[], cwd: string): Promise<Ended> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd,
    onSignal: () => () => undefined,
    exit: (code) => {
      throw new Error(`unexpected exit(${String(code)}); stderr: ${stderr}`);
    },
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

/** A store that does not exist: a command that got as far as opening it would exit 3, not 2. */
const cwd = tempDir();
const MISSING_STORE = `sqlite:${path.join(cwd, 'never-created.db')}`;
/** Every command as typed, a group's subcommands by their full name (`flows validate`). */
const LEAVES = COMMANDS.flatMap((command) => command.subcommands ?? [command]);
const NAMES = LEAVES.map((command) => command.name);
/** The names the first argument may take. */
const TOP_NAMES = COMMANDS.map((command) => command.name);

/** The numeric options, by command, with the values each allows. */
const NUMERIC: readonly { command: string; option: string; min: number; max: number }[] = [
  { command: 'plans', option: 'limit', min: 1, max: Number.MAX_SAFE_INTEGER },
  { command: 'plans', option: 'offset', min: 0, max: Number.MAX_SAFE_INTEGER },
  { command: 'watch', option: 'interval', min: 10, max: 3_600_000 },
  { command: 'console', option: 'port', min: 0, max: 65535 },
];

function isValidNumber(value: string, spec: { min: number; max: number }): boolean {
  const text = value.trim();
  if (!/^\d+$/.test(text)) return false;
  const number = Number(text);
  return Number.isSafeInteger(number) && number >= spec.min && number <= spec.max;
}

/** Values a numeric option may be given that are mostly wrong (the valid ones are filtered out). */
const numberLike = fc.oneof(
  fc.integer({ min: -1_000_000_000, max: -1 }).map(String),
  fc.integer({ min: -100, max: 100_000 }).map(String),
  fc.double().map(String),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 70n }).map(String),
  fc.constantFrom(
    '',
    ' ',
    '-',
    '--',
    '-0',
    '-.5',
    '+5',
    '1e3',
    '0x10',
    '1_000',
    '10 20',
    'NaN',
    'Infinity',
    '٣',
    '--json',
    '-x',
    'ten',
  ),
  fc.string({ maxLength: 12 }),
);

/** The arguments every vector carries so that only the malformed one can fail (no `--debug`). */
function baseArgs(command: string): fc.Arbitrary<string[]> {
  const spec = LEAVES.find((candidate) => candidate.name === command);
  const required: string[] = [
    ...(spec?.positionals.map(() => 'some-plan-id') ?? []),
    ...(spec !== undefined && 'actions' in spec.options ? ['--actions', 'no-such-module.mjs'] : []),
    '--store',
    MISSING_STORE,
  ];
  return fc
    .subarray([['--json'], ['--schema', 'app']])
    .map((optional) => [...required, ...optional.flat()]);
}

/** Puts `malformed` (kept together, in order) at `at` among `base`'s argument groups. */
function insertAt(base: readonly string[], malformed: readonly string[], at: number): string[] {
  // Insert between whole groups: never between an option and its value.
  const cuts = [0];
  for (let index = 0; index < base.length; index++) {
    const arg = base[index] ?? '';
    const takesValue = ['--actions', '--store', '--schema'].includes(arg);
    if (takesValue) index++;
    cuts.push(index + 1);
  }
  const cut = cuts[at % cuts.length] ?? 0;
  return [...base.slice(0, cut), ...malformed, ...base.slice(cut)];
}

/** Checks the shape every usage failure has; returns the one-line message. */
function usageMessage(argv: readonly string[], ended: Ended, command: string): string {
  expect(ended.code, `flowline ${JSON.stringify(argv)}: ${ended.stderr}`).toBe(ExitCode.USAGE);
  expect(ended.stdout).toBe('');
  expect(hasStackTrace(ended.stderr)).toBe(false);
  const lines = ended.stderr.split('\n');
  expect(lines.pop()).toBe('');
  const [first = '', hint, json, ...rest] = lines;
  expect(first).toMatch(/^flowline: \S/);
  expect(hint).toBe(`Run 'flowline${command === '' ? '' : ` ${command}`} --help' for usage.`);
  if (argv.includes('--json')) {
    expect(JSON.parse(json ?? '')).toMatchObject({ error: { code: 'USAGE' } });
  } else {
    expect(json).toBeUndefined();
  }
  expect(rest).toEqual([]);
  return first.slice('flowline: '.length);
}

/** Runs per property; each run must answer within 5 s (a hang fails it). */
function property(numRuns = 2_000): { numRuns: number; plugins: fc.UniversalPlugin[] } {
  return { numRuns, plugins: [fc.timeout(5_000)] };
}

describe('flowline with malformed arguments (property-based)', () => {
  it('refuses every bad value of every numeric option, naming the option and the value', async () => {
    const numeric = fc
      .record({
        spec: fc.constantFrom(...NUMERIC),
        value: numberLike,
        joined: fc.boolean(),
        at: fc.nat(),
      })
      .filter(({ spec, value }) => !isValidNumber(value, spec))
      .chain((drawn) => baseArgs(drawn.spec.command).map((base) => ({ ...drawn, base })));
    await fc.assert(
      fc.asyncProperty(numeric, async ({ spec, value, joined, at, base }) => {
        const option = `--${spec.option}`;
        const malformed = joined ? [`${option}=${value}`] : [option, value];
        const argv = [spec.command, ...insertAt(base, malformed, at)];
        const message = usageMessage(argv, await runInProcess(argv, cwd), spec.command);
        expect(message).toContain(option);
        expect(message).toContain(JSON.stringify(value));
      }),
      property(),
    );
  });

  it('ends every command with a usage error for any one malformed argument', async () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
    const vector = fc
      .record({
        command: fc.constantFrom(...NAMES),
        kind: fc.constantFrom(
          'unknown option',
          'unknown short option',
          'option of another command',
          'missing value',
          'extra argument',
          'flag with a value',
          'bad choice',
        ),
        word,
        at: fc.nat(),
      })
      .chain((drawn) => baseArgs(drawn.command).map((base) => ({ ...drawn, base })));
    await fc.assert(
      fc.asyncProperty(vector, async ({ command, kind, word: text, at, base }) => {
        const spec = LEAVES.find((candidate) => candidate.name === command);
        const own = new Set([
          'store',
          'schema',
          'json',
          'debug',
          'help',
          ...Object.keys(spec?.options ?? {}),
        ]);
        let argv: string[];
        let expected: string | RegExp;
        switch (kind) {
          case 'unknown option': {
            const option = `--x-${text}`;
            argv = [...command.split(' '), ...insertAt(base, [option], at)];
            expected = `unknown option ${option}`;
            break;
          }
          case 'unknown short option': {
            const letter = text.replace(/[^a-gi-uw-z]/g, '').slice(0, 1) || 'q';
            argv = [...command.split(' '), ...insertAt(base, [`-${letter}`], at)];
            expected = `unknown option -${letter}`;
            break;
          }
          case 'option of another command': {
            const foreign = [...new Set(LEAVES.flatMap((c) => Object.keys(c.options)))].filter(
              (name) => !own.has(name),
            );
            const option = `--${foreign[at % foreign.length] ?? 'no-such'}`;
            argv = [...command.split(' '), ...insertAt(base, [`${option}=${text}`], at)];
            expected = `unknown option ${option}`;
            break;
          }
          case 'missing value': {
            // Last, so that nothing after it can be taken for its value.
            argv = [...command.split(' '), ...base, '--schema'];
            expected = 'option --schema needs a value';
            break;
          }
          case 'extra argument': {
            argv = [...command.split(' '), ...base, text];
            expected = `unexpected argument ${JSON.stringify(text)}`;
            break;
          }
          case 'flag with a value': {
            argv = [...command.split(' '), ...insertAt(base, [`--json=${text}`], at)];
            expected = 'option --json does not take a value';
            break;
          }
          default: {
            if (command !== 'plans') {
              argv = [...command.split(' '), ...insertAt(base, [`--state=${text}`], at)];
              expected = 'unknown option --state';
            } else {
              argv = [...command.split(' '), ...insertAt(base, ['--state', `x${text}`], at)];
              expected = new RegExp(`^option --state must be one of .*; got "x${text}"$`);
            }
          }
        }
        const message = usageMessage(argv, await runInProcess(argv, cwd), command);
        if (typeof expected === 'string') expect(message).toBe(expected);
        else expect(message).toMatch(expected);
      }),
      property(),
    );
  });

  it('answers any unknown command with a usage error', async () => {
    const name = fc
      .stringMatching(/^[a-zA-Z0-9_][\w.:-]{0,15}$/)
      .filter((text) => !TOP_NAMES.includes(text));
    await fc.assert(
      fc.asyncProperty(name, baseArgs('plans'), async (command, base) => {
        const argv = [...command.split(' '), ...base];
        const message = usageMessage(argv, await runInProcess(argv, cwd), '');
        expect(message).toBe(
          `unknown command ${JSON.stringify(command)} (commands: ${TOP_NAMES.join(', ')})`,
        );
      }),
      property(300),
    );
  });

  it('names the option and the value for a negative --offset, as a user types it', async () => {
    const ended = await runInProcess(['plans', '--offset', '-1', '--store', MISSING_STORE], cwd);
    expect(ended.stderr).toBe(
      'flowline: option --offset must be an integer at least 0, got "-1"\n' +
        "Run 'flowline plans --help' for usage.\n",
    );
    expect(ended.code).toBe(ExitCode.USAGE);
  });
});
