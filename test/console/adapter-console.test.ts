/**
 * A read-only console over a SqliteAdapter on a real file, written by a world running on the same
 * file: list, detail, chained plans, sub-plans, step logs, worlds, an unreadable plan, and no
 * operations.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World, silentLogger } from '../../src/index.js';
import type { ExecutionPlan } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { createConsole } from '../../src/console/index.js';
import { planReaching } from '../helpers/world.js';
import {
  ACTIONS,
  Client,
  Closer,
  Echo,
  Fleet,
  Hostile,
  Noop,
  Pipeline,
  section,
  stepBoxes,
} from './helpers.js';

const closer = new Closer();
let world: World;
let client: Client;
const plans: Record<
  'echo' | 'paused' | 'fleet' | 'first' | 'chained' | 'hostile' | 'broken',
  ExecutionPlan
> = {} as never;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowline-console-'));
  closer.add(async () => rmSync(dir, { recursive: true, force: true }));
  const filename = join(dir, 'flowline.db');
  // A long heartbeat timeout: this world must not declare the stale record below dead meanwhile.
  world = new World({
    adapter: new SqliteAdapter({ filename, synchronous: 'NORMAL' }),
    actions: ACTIONS,
    logger: silentLogger,
    heartbeatTimeoutMs: 24 * 3600_000,
  });
  await world.start();
  closer.add(() => world.close());
  plans.echo = await world.trigger(Echo, 'hello').finished;
  plans.paused = await world.trigger(Pipeline).finished;
  plans.fleet = await world.trigger(Fleet, ['h1', 'h2']).finished;
  plans.first = await world.trigger(Echo, 'first').finished;
  const chained = await world.chain(plans.first.id, Echo, 'second');
  plans.chained = await planReaching(world, chained.id, ['stopped']);
  plans.hostile = await world.trigger(Hostile, true).finished;
  plans.broken = await world.plan(Noop);
  const db = new Database(filename);
  db.prepare("UPDATE flowline_steps SET data = '{not json' WHERE plan_id = ? AND id = 1").run(
    plans.broken.id,
  );
  db.close();

  const adapter = new SqliteAdapter({ filename });
  await adapter.start();
  closer.add(() => adapter.close());
  const old = new Date(Date.now() - 3600_000).toISOString();
  await adapter.registerWorld({
    id: 'stale-world',
    host: 'old-host',
    pid: 4242,
    executor: true,
    startedAt: old,
    heartbeatAt: old,
  });
  const server = await createConsole({ adapter, logger: silentLogger }).listen();
  closer.add(() => server.close());
  client = new Client(server.url);
});

afterAll(async () => {
  await closer.closeAll();
});

describe('adapter console on SQLite', () => {
  it('lists the plans, an unreadable one marked invalid, with a read-only note', async () => {
    const reply = await client.get('/');
    expect(reply.status).toBe(200);
    const rows = [...reply.flat.matchAll(/<tr data-plan-id="([^"]+)" data-state="(\w+)"/g)];
    const listed = new Map(rows.map((row) => [row[1], row[2]]));
    expect(listed.get(plans.echo.id)).toBe('stopped');
    expect(listed.get(plans.paused.id)).toBe('paused');
    expect(listed.get(plans.broken.id)).toBe('planned');
    // Echo, paused, the fleet and its two sub-plans, the chained pair, hostile, broken.
    expect(rows).toHaveLength(9);
    expect(reply.flat).toContain('invalid: INVALID_PLAN');
    expect(reply.flat).toContain('class="note read-only-note"');
    expect(reply.flat).toContain(
      'operations (resume, halt, cancel, rollback, skip a step) need a console created with a world',
    );
    const filtered = await client.get('/?state=paused&class=Flaky');
    expect(filtered.flat.match(/<tr data-plan-id=/g)).toHaveLength(1);
  });

  it('draws a plan with no operation buttons, and refuses operations with 403', async () => {
    const plan = plans.paused;
    const reply = await client.get(`/plans/${plan.id}`);
    expect(reply.status).toBe(200);
    const run = stepBoxes(section(reply.flat, 'run-flow'));
    expect(run).toHaveLength(plan.steps.filter((step) => step.phase === 'run').length);
    expect(run.map((box) => box.state)).toEqual(['success', 'success', 'error', 'pending']);
    expect(reply.flat).not.toMatch(/action="[^"]*\/(resume|halt|cancel|rollback|skip)"/);
    const refused = await client.post(`/plans/${plan.id}/resume`);
    expect(refused.status).toBe(403);
    expect(refused.flat).toContain('Operations need a console created with a world');
    const failed = plan.steps.find((step) => step.state === 'error');
    expect((await client.post(`/plans/${plan.id}/steps/${failed?.id}/skip`)).status).toBe(403);
    expect((await world.executionPlan(plan.id))?.state).toBe('paused');
  });

  it('links chained plans both ways', async () => {
    const first = (await client.get(`/plans/${plans.first.id}`)).flat;
    const chained = first.slice(first.indexOf('class="chained"'));
    expect(chained).toContain('<h3>Waited for by</h3>');
    expect(chained).toContain(`href="/plans/${plans.chained.id}"`);
    const second = (await client.get(`/plans/${plans.chained.id}`)).flat;
    expect(second.slice(second.indexOf('class="chained"'))).toContain(
      `<h3>Waits for</h3><ul class="linked-plans"><li><a class="mono" href="/plans/${plans.first.id}">`,
    );
  });

  it('lists sub-plans by their parent link', async () => {
    const body = (await client.get(`/plans/${plans.fleet.id}`)).flat;
    const subPlans = body.slice(body.indexOf('class="sub-plans"'));
    expect(subPlans.match(/<tr data-plan-id=/g)).toHaveLength(2);
  });

  it('shows a step with its log lines and error, escaped', async () => {
    const step = plans.hostile.steps.find((s) => s.phase === 'run');
    const body = (await client.get(`/plans/${plans.hostile.id}/steps/${step?.id}`)).flat;
    expect(body).toContain('<td class="log-message">&lt;img src=x onerror=alert(2)&gt;</td>');
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).toContain(
      '<span class="error-message">&lt;script&gt;alert(3)&lt;/script&gt;</span>',
    );
    expect(body.slice(body.indexOf('<body>'))).not.toMatch(/<script|<img/);
  });

  it('shows an unreadable plan with its error instead of failing', async () => {
    for (const path of [`/plans/${plans.broken.id}`, `/plans/${plans.broken.id}/steps/1`]) {
      const reply = await client.get(path);
      expect(reply.status, path).toBe(200);
      expect(reply.flat).toMatch(/This plan cannot be loaded:<strong>INVALID_PLAN<\/strong>/);
      expect(reply.flat).toContain('is corrupt');
      expect(reply.flat).toContain('<dt>Label</dt><dd>Noop</dd>');
    }
  });

  it('shows the registered worlds, live or stale by heartbeat', async () => {
    const reply = await client.get('/worlds');
    expect(reply.status).toBe(200);
    expect(reply.flat).toContain(`<tr data-world-id="${world.id}" data-status="live">`);
    expect(reply.flat).toContain('<tr data-world-id="stale-world" data-status="stale">');
    expect(reply.flat).toContain('<td>old-host</td><td>4242</td>');
  });

  it('answers 404 for unknown plans and steps', async () => {
    expect((await client.get('/plans/does-not-exist')).status).toBe(404);
    expect((await client.get(`/plans/${plans.echo.id}/steps/42`)).status).toBe(404);
  });
});
