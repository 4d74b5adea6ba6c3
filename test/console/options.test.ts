/** createConsole options and listen(): validation, and the loopback-unless-token rule. */
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAdapter, World, silentLogger } from '../../src/index.js';
import { createConsole } from '../../src/console/index.js';
import type { ConsoleOptions } from '../../src/console/index.js';
import { expectFlowlineError, rejectionOf, thrownBy } from '../helpers/world.js';
import { Closer, TOKEN, send } from './helpers.js';

const closer = new Closer();
afterEach(async () => {
  await closer.closeAll();
});

/** Whether this machine has the IPv6 loopback address (not every container does). */
function hasIpv6Loopback(): boolean {
  return Object.values(networkInterfaces()).some((addresses) =>
    (addresses ?? []).some((address) => address.address === '::1'),
  );
}

/** How many TCP servers this process has open (listen() must not leave one behind). */
function openServers(): number {
  return process.getActiveResourcesInfo().filter((type) => type === 'TCPServerWrap').length;
}

describe('createConsole options', () => {
  const adapter = new MemoryAdapter();
  const world = new World({ logger: silentLogger });

  const bad: [string, unknown, RegExp][] = [
    ['no options', undefined, /options must be an object/],
    ['neither world nor adapter', {}, /pass a started world .* or a started adapter/],
    ['both world and adapter', { world, adapter }, /either world or adapter, not both/],
    ['a world that is not one', { world: {} }, /option world must be a started World/],
    [
      'an adapter that is not one',
      { adapter: { findPlans: 1 } },
      /option adapter must be .* without findPlans/,
    ],
    [
      'an empty token',
      { adapter, token: '' },
      /option token must be a string of at least 16 characters, got 0/,
    ],
    [
      'a short token',
      { adapter, token: 'short-token' },
      /option token must be .* got 11 characters/,
    ],
    ['a token that is not a string', { adapter, token: 1234567890123456 }, /option token must be/],
    ['a token with spaces', { adapter, token: 'a token with spaces in it' }, /printable ASCII/],
    [
      'a relative basePath',
      { adapter, basePath: 'flowline' },
      /option basePath must be a path starting with '\/'/,
    ],
    [
      'a protocol-relative basePath',
      { adapter, basePath: '//evil.example' },
      /option basePath must be a plain path/,
    ],
    [
      'a basePath with a dot segment',
      { adapter, basePath: '/a/../b' },
      /option basePath must be a plain path/,
    ],
    [
      'a basePath with a query',
      { adapter, basePath: '/a?b' },
      /option basePath must be a plain path/,
    ],
    [
      'a logger without methods',
      { adapter, logger: { error: () => {} } },
      /option logger must be a Logger/,
    ],
    [
      'a zero heartbeatTimeoutMs',
      { adapter, heartbeatTimeoutMs: 0 },
      /option heartbeatTimeoutMs must be a positive number/,
    ],
    ['an unknown option', { adapter, tokn: TOKEN }, /unknown option "tokn"/],
  ];
  for (const [name, options, message] of bad) {
    it(`refuses ${name} with INVALID_ARGUMENT`, () => {
      const error = expectFlowlineError(
        thrownBy(() => createConsole(options as ConsoleOptions)),
        'INVALID_ARGUMENT',
      );
      expect(error.message).toMatch(/^createConsole: /);
      expect(error.message).toMatch(message);
    });
  }

  it('accepts a world or an adapter with every option', () => {
    expect(typeof createConsole({ world })).toBe('function');
    const flowline = createConsole({
      adapter,
      token: TOKEN,
      basePath: '/flowline/',
      logger: silentLogger,
      heartbeatTimeoutMs: 1000,
    });
    expect(typeof flowline.listen).toBe('function');
    expect(typeof createConsole({ adapter, basePath: '/' })).toBe('function');
  });
});

describe('listen', () => {
  it('binds 127.0.0.1 on a free port by default', async () => {
    const server = await createConsole({ adapter: new MemoryAdapter() }).listen();
    closer.add(() => server.close());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await send(server.url)).status).toBe(200);
    await server.close();
    await server.close(); // idempotent
    await expect(send(server.url)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('puts basePath in the URL', async () => {
    const server = await createConsole({
      adapter: new MemoryAdapter(),
      basePath: '/flowline',
    }).listen();
    closer.add(() => server.close());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/flowline\/$/);
    expect((await send(server.url)).status).toBe(200);
  });

  for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
    it(`refuses host ${host} without a token, and listens on nothing`, async () => {
      const before = openServers();
      const error = expectFlowlineError(
        await rejectionOf(createConsole({ adapter: new MemoryAdapter() }).listen({ host })),
        'INVALID_ARGUMENT',
      );
      expect(error.message).toContain(`host "${host}" is reachable from other machines`);
      expect(openServers()).toBe(before);
    });
  }

  it('binds 0.0.0.0 with a token, and every request needs it', async () => {
    const server = await createConsole({ adapter: new MemoryAdapter(), token: TOKEN }).listen({
      host: '0.0.0.0',
    });
    closer.add(() => server.close());
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await send(server.url)).status).toBe(401);
    const authorized = await send(server.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(authorized.status).toBe(200);
  });

  it('accepts the loopback names ::1 and localhost without a token', async () => {
    for (const host of hasIpv6Loopback() ? ['::1', 'localhost'] : ['localhost']) {
      const server = await createConsole({ adapter: new MemoryAdapter() }).listen({ host });
      closer.add(() => server.close());
      expect((await send(server.url)).status, host).toBe(200);
    }
  });

  const badListen: [unknown, RegExp][] = [
    [{ port: -1 }, /option port must be an integer from 0 to 65535, got -1/],
    [{ port: 70000 }, /option port must be an integer/],
    [{ port: '8080' }, /option port must be an integer/],
    [{ host: '' }, /option host must be a non-empty string/],
    [{ hots: 'x' }, /unknown option "hots"/],
    ['127.0.0.1', /options must be an object/],
  ];
  for (const [options, message] of badListen) {
    it(`refuses listen(${JSON.stringify(options)})`, async () => {
      const before = openServers();
      const flowline = createConsole({ adapter: new MemoryAdapter() });
      const error = expectFlowlineError(
        await rejectionOf(flowline.listen(options as { port?: number })),
        'INVALID_ARGUMENT',
      );
      expect(error.message).toMatch(message);
      expect(openServers()).toBe(before);
    });
  }

  it('rejects when the port is taken', async () => {
    const first = await createConsole({ adapter: new MemoryAdapter() }).listen();
    closer.add(() => first.close());
    const port = Number(new URL(first.url).port);
    await expect(createConsole({ adapter: new MemoryAdapter() }).listen({ port })).rejects.toThrow(
      /EADDRINUSE/,
    );
  });
});
