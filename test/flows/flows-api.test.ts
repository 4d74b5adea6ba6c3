import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FlowlineError, MemoryAdapter, World } from '../../src/index.js';
import type { JsonValue } from '../../src/index.js';
import { Flows, StageAction } from '../../src/flows/index.js';

const failOn = new Set<JsonValue>();

class Echo extends StageAction<object> {
  static override actionName = 'Echo';
  process(data: JsonValue) {
    if (failOn.has(data)) throw new Error(`refused ${JSON.stringify(data)}`);
    return data;
  }
}

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  failOn.clear();
});

async function setup() {
  world = new World({ adapter: new MemoryAdapter() });
  const flows = new Flows({ world, actions: [Echo] });
  await world.start();
  return flows;
}

const one = (name: string, props = {}) => ({
  name,
  stages: [
    { name: 'a', action: 'Echo', props, out: ['b'] },
    { name: 'b', action: 'Echo', props, out: [] },
  ],
});

describe('Flows', () => {
  it('refuses a store that cannot keep flows, with FLOWS_UNSUPPORTED', () => {
    // A store without the optional flow-version methods (the bundled ones all have them).
    const bare = Object.assign(new MemoryAdapter(), {
      saveFlowVersions: undefined,
      findFlowVersions: undefined,
    });
    const plain = new World({ adapter: bare });
    try {
      new Flows({ world: plain });
      expect.unreachable();
    } catch (error) {
      expect((error as FlowlineError).code).toBe('FLOWS_UNSUPPORTED');
    }
  });

  it('refuses bad options with INVALID_ARGUMENT naming them', () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        try {
          new Flows({ world: junk as World });
          return false;
        } catch (error) {
          return (
            error instanceof FlowlineError &&
            error.code === 'INVALID_ARGUMENT' &&
            /new Flows/.test(error.message)
          );
        }
      }),
    );
    const valid = new World({ adapter: new MemoryAdapter() });
    expect(() => new Flows({ world: valid, actions: ['Echo'] as never })).toThrow(
      /actions must be a list of StageAction classes/,
    );
  });

  it('refuses a second Flows on one world (the names are taken)', () => {
    const shared = new World({ adapter: new MemoryAdapter() });
    new Flows({ world: shared });
    expect(() => new Flows({ world: shared })).toThrow(FlowlineError);
  });

  it('rejects a trigger of an unknown flow with FLOW_NOT_FOUND; refuses a bad name at once', async () => {
    const flows = await setup();
    const run = flows.trigger('nope', 1);
    expect(typeof run.id).toBe('string');
    await expect(run.finished).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND' });
    await expect(run.planned).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND' });
    // Awaiting only `planned` leaves no unhandled rejection behind (vitest would report one).
    await expect(flows.trigger('nope', 2).planned).rejects.toMatchObject({
      code: 'FLOW_NOT_FOUND',
    });
    await new Promise((resolve) => setImmediate(resolve));
    for (const bad of ['', 1, null, undefined, {}]) {
      expect(() => flows.trigger(bad as string)).toThrow(/name must be a non-empty string/);
    }
  });

  it('keeps versions: save replaces the development version, deploy promotes it', async () => {
    const flows = await setup();
    const v1 = await flows.save(one('f'));
    expect(v1).toMatchObject({ name: 'f', version: 1, stage: 'development' });
    expect((await flows.save(one('f', { x: 1 }))).version).toBe(1);
    const deployed = await flows.deploy('f');
    expect(deployed).toMatchObject({ version: 1, stage: 'production' });
    expect(typeof deployed.deployedAt).toBe('string');
    const v2 = await flows.save(one('f', { x: 2 }));
    expect(v2.version).toBe(2);
    expect((await flows.get('f'))?.version).toBe(1);
    expect((await flows.get('f', 'development'))?.version).toBe(2);
    await flows.deploy('f');
    expect((await flows.get('f', 'retired'))?.version).toBe(1);
    expect((await flows.list()).map((v) => [v.name, v.version])).toEqual([['f', 2]]);
    await expect(flows.deploy('f')).rejects.toMatchObject({ code: 'FLOW_NOT_FOUND' });
    await expect(flows.deploy('other')).rejects.toThrow(/has not been saved/);
  });

  it('lists runs with the version they ran; a run keeps its version', async () => {
    const flows = await setup();
    await flows.save(one('f'));
    const first = flows.trigger('f', 1);
    await first.finished;
    await flows.save({
      ...one('f'),
      stages: [{ name: 'only', action: 'Echo', props: {}, out: [] }],
    });
    const second = flows.trigger('f', 2);
    await second.finished;
    const runs = await flows.runs('f');
    expect(runs.map((r) => [r.id, r.version, r.result]).sort()).toEqual(
      [
        [first.id, 1, 'success'],
        [second.id, 1, 'success'],
      ].sort(),
    );
    expect(await flows.result(first.id, 'b')).toBe(1);
    expect(await flows.result(second.id, 'only')).toBe(2);
    await expect(flows.result(second.id, 'b')).rejects.toMatchObject({ code: 'STAGE_NOT_FOUND' });
    await expect(flows.result('no-such-run', 'b')).rejects.toMatchObject({
      code: 'PLAN_NOT_FOUND',
    });
    expect(await flows.runs('other')).toEqual([]);
  });

  it('counts runs, failures and durations per flow and per stage', async () => {
    const flows = await setup();
    await flows.save(one('m', { $retry: false }));
    for (const n of [1, 2, 3])
      expect((await flows.trigger('m', n).finished).result).toBe('success');
    failOn.add(4);
    const failed = flows.trigger('m', 4);
    expect((await failed.finished).state).toBe('paused');
    await world!.cancel(failed.id);
    const metrics = await flows.metrics('m');
    expect(metrics.runs).toBe(4);
    expect(metrics.failures).toBe(1);
    expect(metrics.durationMs.p50).toBeGreaterThanOrEqual(0);
    expect(metrics.stages.a?.runs).toBe(4);
    expect(metrics.stages.a?.failures).toBe(1);
    expect(metrics.stages.b?.runs).toBe(3);
    const empty = await flows.metrics('never-ran');
    expect(empty).toMatchObject({ runs: 0, failures: 0, stages: {} });
    expect(empty.durationMs.p99).toBeUndefined();
  });
});
