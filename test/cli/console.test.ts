/**
 * `flowline console`: serves the web console on a SQLite store until SIGTERM or SIGINT, read-only
 * or (with `--actions`) on a world.
 */
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionPlan } from '../../src/index.js';
import { Deploy, Doomed } from './fixtures/actions.js';
import type { TestStore } from './helpers.js';
import { ACTIONS_MODULE, createStore, parseJson, runCli, startCli } from './helpers.js';

let store: TestStore;
let plans: ExecutionPlan[];

beforeAll(async () => {
  store = await createStore();
  plans = await store.withWorld(async (world) => [
    await world.trigger(Deploy).finished,
    await world.trigger(Doomed).finished,
  ]);
});

describe('flowline console', () => {
  it('serves the plans read-only, prints its URL, and stops on SIGTERM (exit 0)', async () => {
    const served = startCli(['console', '--store', store.spec, '--port', '0']);
    const line = await served.nextLine();
    const url = /^Flowline console: (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(line)?.[1];
    expect(url, line).toBeDefined();
    const response = await fetch(url ?? '');
    expect(response.status).toBe(200);
    const page = await response.text();
    for (const plan of plans) expect(page).toContain(plan.id);
    served.child.kill('SIGTERM');
    const result = await served.exited;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/the console is read-only; pass --actions/);
  });

  it('serves on a world with --actions, needs the token, and stops on SIGINT (exit 0)', async () => {
    const token = 'a-token-of-twenty-chars';
    const served = startCli(['console', '--json', '--port', '0', '--actions', ACTIONS_MODULE], {
      FLOWLINE_STORE: store.spec,
      FLOWLINE_CONSOLE_TOKEN: token,
    });
    const { url, readOnly } = parseJson<{ url: string; readOnly: boolean }>(
      await served.nextLine(),
    );
    expect(readOnly).toBe(false);
    expect((await fetch(url)).status).toBe(401);
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(plans[0]?.id);
    served.child.kill('SIGINT');
    const result = await served.exited;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('exits 2 when the port is in use', async () => {
    const server: Server = createServer();
    const port = await new Promise<number>((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    try {
      const result = await runCli(['console', '--store', store.spec, '--port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(`cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([
    [['--host', '0.0.0.0'], /host "0.0.0.0" is reachable from other machines/],
    [['--token', 'short'], /token must be a string of at least 16 characters/],
    [['--port', '70000'], /option --port must be an integer from 0 to 65535/],
  ])('exits 2 for %j', async (args, message) => {
    const result = await runCli(['console', '--store', store.spec, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("Run 'flowline console --help' for usage.");
  });
});
