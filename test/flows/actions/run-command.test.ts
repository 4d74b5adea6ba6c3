/**
 * `Run Command` with real child processes (`node -e`): exit codes, stdout and stderr lines in the
 * stage log, JSON in and out, env and cwd, spawn failures, a time-out and the stage's abort, which
 * kill the child and what it started.
 */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunCommand } from '../../../src/flows/index.js';
import { ManagedClock } from '../../../src/testing/index.js';
import { deferred } from '../../helpers/world.js';
import { factsOf, runStageAction } from './stage-harness.js';

const node = process.execPath;

describe('Run Command', () => {
  it('outputs the exit code and stdout, and logs stdout and stderr lines', async () => {
    const script = 'console.log("one"); console.error("warned"); process.stdout.write("two")';
    const run = await runStageAction(RunCommand, { command: node, args: ['-e', script] }, null);
    expect(run.kind).toBe('success');
    expect(run.output.value).toEqual({ exitCode: 0, stdout: 'one\ntwo' });
    expect(run.log.map((line) => [line.level, line.message])).toEqual(
      expect.arrayContaining([
        ['info', 'one'],
        ['info', 'two'],
        ['warn', 'warned'],
      ]),
    );
  });

  it('logs the first 1000 lines of a stream, then one line saying the rest were left out', async () => {
    const script = 'for (let i = 0; i < 1005; i++) console.log("l" + i)';
    const run = await runStageAction(RunCommand, { command: node, args: ['-e', script] }, null);
    expect(run.log).toHaveLength(1001);
    expect(run.log[999]?.message).toBe('l999');
    expect(run.log[1000]?.message).toContain('further stdout lines are not logged');
    expect((run.output.value as { stdout: string }).stdout.split('\n')).toHaveLength(1006);
  });

  it('writes the data to stdin as JSON and parses stdout as JSON', async () => {
    const script =
      'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>' +
      'console.log(JSON.stringify({ doubled: JSON.parse(s).n * 2 })))';
    const run = await runStageAction(
      RunCommand,
      { command: node, args: ['-e', script], stdin: 'json', parseJson: true },
      { n: 21 },
    );
    expect((run.output.value as { json: unknown }).json).toEqual({ doubled: 42 });
  });

  it('sets env over the inherited one, or alone with inheritEnv: false, and runs in cwd', async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'flowline-cmd-')));
    try {
      const script =
        'console.log(JSON.stringify([process.env.FOO, !!process.env.PATH, process.cwd()]))';
      const inherited = await runStageAction(
        RunCommand,
        { command: node, args: ['-e', script], env: { FOO: 'bar' }, cwd: dir, parseJson: true },
        null,
      );
      expect((inherited.output.value as { json: unknown }).json).toEqual(['bar', true, dir]);
      const alone = await runStageAction(
        RunCommand,
        {
          command: node,
          args: ['-e', script],
          env: { FOO: 'x' },
          inheritEnv: false,
          parseJson: true,
        },
        null,
      );
      expect((alone.output.value as { json: unknown[] }).json.slice(0, 2)).toEqual(['x', false]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails a non-zero exit with COMMAND_FAILED naming the code and the last stderr lines', async () => {
    const script = 'for (let i = 0; i < 15; i++) console.error("line " + i); process.exit(3)';
    const run = await runStageAction(RunCommand, { command: node, args: ['-e', script] }, null);
    expect(run.error?.code).toBe('COMMAND_FAILED');
    expect(run.error?.message).toContain('exited with code 3');
    expect(run.error?.message).toContain('line 14');
    expect(run.error?.message).toContain('line 5');
    expect(run.error?.message).not.toContain('line 4\n');
    expect(factsOf(run.error)).toEqual({ command: node, exitCode: 3, retryable: true });
  });

  it('outputs a non-zero exit with allowFailure', async () => {
    const run = await runStageAction(
      RunCommand,
      { command: node, args: ['-e', 'process.exit(2)'], allowFailure: true },
      null,
    );
    expect(run.output.value).toEqual({ exitCode: 2, stdout: '' });
  });

  it('fails a program that does not exist as not retryable', async () => {
    const run = await runStageAction(RunCommand, { command: 'flowline-no-such-program' }, null);
    expect(run.error?.code).toBe('COMMAND_FAILED');
    expect(run.error?.message).toContain('could not start "flowline-no-such-program"');
    expect(factsOf(run.error)).toMatchObject({ retryable: false });
  });

  it('fails stdout that is not JSON with parseJson as not retryable', async () => {
    const run = await runStageAction(
      RunCommand,
      { command: node, args: ['-e', 'console.log("hello")'], parseJson: true },
      null,
    );
    expect(run.error?.code).toBe('COMMAND_FAILED');
    expect(factsOf(run.error)).toMatchObject({ retryable: false });
  });

  it('kills a child that runs past timeoutMs', async () => {
    const run = await runStageAction(
      RunCommand,
      { command: node, args: ['-e', 'setInterval(() => {}, 1000)'], timeoutMs: 50 },
      null,
    );
    expect(run.error?.code).toBe('COMMAND_FAILED');
    expect(run.error?.message).toContain('ran longer than 50 ms and was killed');
    expect(factsOf(run.error)).toMatchObject({ retryable: true, signal: 'SIGTERM' });
  });

  it("on the stage's abort kills the child (SIGKILL when it ignores SIGTERM) and what it started", async () => {
    const server = createServer();
    const sockets: Socket[] = [];
    const bothConnected = deferred();
    server.on('connection', (socket) => {
      sockets.push(socket);
      if (sockets.length === 2) bothConnected.resolve();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = String((server.address() as AddressInfo).port);
    // Each process connects to the test server and sends its pid once it is set up.
    const report = `const s = require("net").connect(${port}, "127.0.0.1", () => s.write(String(process.pid)));`;
    const grandchild = `${report} setInterval(() => {}, 1000)`;
    const child =
      'process.on("SIGTERM", () => {});' +
      `require("child_process").spawn(process.execPath, ["-e", ${JSON.stringify(grandchild)}], { stdio: "ignore" });` +
      `${report} setInterval(() => {}, 1000)`;
    try {
      class TimedCommand extends RunCommand {
        static override timeout = 1000;
      }
      const clock = new ManagedClock(0);
      const running = runStageAction(
        TimedCommand,
        { command: node, args: ['-e', child], killGraceMs: 1 },
        null,
        { clock },
      );
      await bothConnected.promise;
      const pids = await Promise.all(
        sockets.map(
          (socket) =>
            new Promise<number>((resolve) =>
              socket.once('data', (chunk) => resolve(Number(String(chunk)))),
            ),
        ),
      );
      expect(pids.every((pid) => Number.isInteger(pid) && pid > 0)).toBe(true);
      const closed = sockets.map(
        (socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
      );
      await clock.advance(1000);
      expect((await running).error?.code).toBe('STEP_TIMEOUT');
      // Neither process ever closes its socket: the kernel closes it when the process exits (a
      // process still alive would hang this test until its time-out). Whether the pid is gone yet
      // right after is a race with the kernel's exit, so the closed sockets are the proof.
      await Promise.all(closed);
    } finally {
      server.close();
    }
  });
});
