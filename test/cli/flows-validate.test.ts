/**
 * `flowline flows validate`: the real command in a child process, on flow files of the fixtures
 * (one per kind of problem), with the tests' stage actions as `--actions`.
 */
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { hasStackTrace, parseJson, runCli } from './helpers.js';

const STAGES = 'test/cli/fixtures/stage-actions.ts';
const DIR = 'test/cli/fixtures/flows';

/** Runs `flowline flows validate <fixture> --actions <stages>`. */
function validate(fixture: string, ...extra: string[]) {
  return runCli(['flows', 'validate', `${DIR}/${fixture}`, '--actions', STAGES, ...extra]);
}

/** The violation lines (`file:line:column path: message`) of the command's stderr. */
function violationLines(stderr: string, fixture: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith(`${DIR}/${fixture}`));
}

describe('flowline flows validate', () => {
  it('prints a one-line summary of a valid flow and exits 0', async () => {
    const ended = await validate('diamond.yaml');
    expect(ended.stderr).toBe('');
    expect(ended.stdout).toBe(`${DIR}/diamond.yaml: flow "Diamond" is valid (4 stages)\n`);
    expect(ended.code).toBe(ExitCode.OK);
  });

  // Each kind of problem: every violation of the file, as `file:line:column path: message`.
  const cases: readonly { fixture: string; kind: string; lines: readonly (string | RegExp)[] }[] = [
    {
      fixture: 'yaml-syntax.yaml',
      kind: 'YAML syntax',
      lines: [/^yaml-syntax\.yaml:6:5 \/stages\/0\/out: YAML syntax error: /],
    },
    {
      fixture: 'duplicate-key.yaml',
      kind: 'a duplicate key',
      lines: ['duplicate-key.yaml:5:5 /stages/0/action: duplicate key "action"'],
    },
    {
      fixture: 'schema.yaml',
      kind: 'schema violations (unknown field, wrong type)',
      lines: [
        'schema.yaml:6:5 /stages/0/colour: unknown field "colour"',
        'schema.yaml:11:10 /stages/1/out: must be an array',
      ],
    },
    {
      fixture: 'graph.yaml',
      kind: 'the graph (missing stage, cycle)',
      lines: [
        'graph.yaml:6:14 /stages/0/out/1: stage "Missing" does not exist',
        'graph.yaml:14:11 /stages/2/out/0: cycle: A → B → A',
      ],
    },
    {
      fixture: 'entries.yaml',
      kind: 'two entry stages',
      lines: ['entries.yaml:3:3 /stages: 2 entry stages ("First", "Second")'],
    },
    {
      fixture: 'actions.yaml',
      kind: 'actions (unknown action, props schema, stage setting)',
      lines: [
        'actions.yaml:12:13 /stages/2/action: unknown action "Nope"',
        'actions.yaml:9:17 /stages/1/props/n: action "Add" props: must be a number',
        'actions.yaml:14:15 /stages/2/props/$retry: must be false or',
      ],
    },
  ];

  it.each(cases)('lists every violation of $kind with its position, exit 2', async (c) => {
    const ended = await validate(c.fixture);
    expect(ended.code).toBe(ExitCode.USAGE);
    expect(ended.stdout).toBe('');
    expect(hasStackTrace(ended.stderr)).toBe(false);
    const count = c.lines.length;
    expect(ended.stderr.split('\n')[0]).toBe(
      `flowline: ${DIR}/${c.fixture}: the flow is invalid (${count} problem${count === 1 ? '' : 's'}):`,
    );
    const printed = violationLines(ended.stderr, c.fixture);
    expect(printed).toHaveLength(count);
    for (const want of c.lines) {
      const found = printed.find((line) =>
        typeof want === 'string'
          ? line.startsWith(`${DIR}/${want}`)
          : want.test(line.slice(DIR.length + 1)),
      );
      expect(found, `${String(want)} in\n${ended.stderr}`).toBeDefined();
    }
  });

  it('prints the violations as JSON with --json', async () => {
    const ended = await validate('graph.yaml', '--json');
    expect(ended.code).toBe(ExitCode.USAGE);
    const result = parseJson<{ valid: boolean; file: string; violations: unknown[] }>(ended.stdout);
    expect(result.valid).toBe(false);
    expect(result.file).toBe(`${DIR}/graph.yaml`);
    expect(result.violations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/stages/0/out/1', line: 6, column: 14 }),
        expect.objectContaining({ path: '/stages/2/out/0', line: 14, column: 11 }),
      ]),
    );
  });

  it('knows the user stage actions only through --actions', async () => {
    const ended = await runCli(['flows', 'validate', `${DIR}/diamond.yaml`]);
    expect(ended.code).toBe(ExitCode.USAGE);
    expect(ended.stderr).toContain(
      `${DIR}/diamond.yaml:4:13 /stages/0/action: unknown action "Echo"`,
    );
  });

  it('says clearly when the file cannot be read, exit 2', async () => {
    const missing = await runCli(['flows', 'validate', `${DIR}/no-such-flow.yaml`]);
    expect(missing.code).toBe(ExitCode.USAGE);
    expect(missing.stderr).toMatch(
      /^flowline: cannot read the flow file \/.*no-such-flow\.yaml: the file does not exist\n/,
    );
    expect(hasStackTrace(missing.stderr)).toBe(false);
    const directory = await runCli(['flows', 'validate', DIR]);
    expect(directory.code).toBe(ExitCode.USAGE);
    expect(directory.stderr).toMatch(/cannot read the flow file .*flows: it is a directory/);
  });

  it('asks for the file, and names the flows commands', async () => {
    const noFile = await runCli(['flows', 'validate']);
    expect(noFile.code).toBe(ExitCode.USAGE);
    expect(noFile.stderr).toContain('flowline: missing <file>');
    const unknown = await runCli(['flows', 'check', 'x.yaml']);
    expect(unknown.code).toBe(ExitCode.USAGE);
    expect(unknown.stderr).toContain(
      'unknown command "flows check" (flows commands: validate, run)',
    );
    const help = await runCli(['flows', '--help']);
    expect(help.code).toBe(ExitCode.OK);
    expect(help.stdout).toContain('validate <file>');
  });
});
