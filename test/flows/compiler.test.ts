import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAdapter, World } from '../../src/index.js';
import type { JsonObject, JsonValue } from '../../src/index.js';
import { Flows, StageAction } from '../../src/flows/index.js';

class Add extends StageAction<{ n: number }, number, number> {
  static override actionName = 'Add';
  process(data: number, props: { n: number }) {
    return (typeof data === 'number' ? data : 0) + props.n;
  }
}
class Sum extends StageAction<object, JsonObject, number> {
  static override actionName = 'Sum';
  process(data: JsonObject) {
    return Object.values(data).reduce<number>((a, b) => a + (b as number), 0);
  }
}
class Echo extends StageAction<object> {
  static override actionName = 'Echo';
  process(data: JsonValue) {
    return data;
  }
}

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function setup() {
  world = new World({ adapter: new MemoryAdapter() });
  const flows = new Flows({ world, actions: [Add, Sum, Echo] });
  await world.start();
  return flows;
}

describe('compiler', () => {
  it('runs a diamond with a join', async () => {
    const flows = await setup();
    await flows.save({
      name: 'diamond',
      stages: [
        { name: 'start', action: 'Echo', props: {}, out: ['a', 'b'] },
        { name: 'a', action: 'Add', props: { n: 1 }, out: ['join'] },
        { name: 'b', action: 'Add', props: { n: 10 }, out: ['join'] },
        { name: 'join', action: 'Sum', props: {}, out: [] },
      ],
    });
    const run = flows.trigger('diamond', 5);
    const plan = await run.finished;
    expect(plan.result).toBe('success');
    expect(await flows.result(run.id, 'join')).toBe(6 + 15);
    expect(await flows.result(run.id, 'a')).toBe(6);
  });

  it('maps and reduces', async () => {
    const flows = await setup();
    await flows.save({
      name: 'mr',
      stages: [
        { name: 'start', action: 'Echo', props: {}, out: ['each'] },
        { name: 'each', action: 'Map', props: { items: 'list', concurrency: 2 }, out: ['inc'] },
        { name: 'inc', action: 'Add', props: { n: 1 }, out: ['collect'] },
        { name: 'collect', action: 'Reduce', props: {}, out: ['total'] },
        { name: 'total', action: 'Echo', props: {}, out: [] },
      ],
    });
    const run = flows.trigger('mr', { list: [1, 2, 3, 4, 5] });
    const plan = await run.finished;
    expect(plan.result).toBe('success');
    expect(await flows.result(run.id, 'total')).toEqual([2, 3, 4, 5, 6]);
    expect(await flows.result(run.id, 'inc')).toEqual([2, 3, 4, 5, 6]);
    const metrics = await flows.metrics('mr');
    expect(metrics.runs).toBe(1);
  });
});
