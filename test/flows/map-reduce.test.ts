import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAdapter, World } from '../../src/index.js';
import type { JsonObject, JsonValue } from '../../src/index.js';
import { Flows, StageAction } from '../../src/flows/index.js';

let running = 0;
let peak = 0;
let done = 0;
let items = 0;
let limit = 0;
const waiting: (() => void)[] = [];
/** Lets the oldest held item go once as many are held as may run at once (no timers needed). */
function pump(): void {
  if (waiting.length > 0 && waiting.length >= Math.min(limit, items - done)) waiting.shift()?.();
}
const failing = new Set<number>();

class Echo extends StageAction<object> {
  static override actionName = 'Echo';
  process(data: JsonValue) {
    return data;
  }
}
/** Counts how many run at once; each waits until the test lets it go (or all when released). */
class Square extends StageAction<{ hold?: boolean }, number, number> {
  static override actionName = 'Square';
  async process(data: number, props: { hold?: boolean }) {
    running++;
    peak = Math.max(peak, running);
    if (props.hold === true) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        pump();
      });
    }
    running--;
    done++;
    pump();
    if (failing.has(data)) throw new Error(`item ${data} is bad`);
    return data * data;
  }
}
class Odd extends StageAction<object, number, number> {
  static override actionName = 'Odd';
  process(data: number) {
    return data % 2 === 1 ? data : this.endBranch('even');
  }
}
class Total extends StageAction<object, JsonValue[], number> {
  static override actionName = 'Total';
  process(data: JsonValue[]) {
    return data.reduce<number>((sum, value) => sum + (value as number), 0);
  }
}

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  running = 0;
  peak = 0;
  done = 0;
  waiting.length = 0;
  failing.clear();
});

async function setup() {
  world = new World({ adapter: new MemoryAdapter(), concurrency: 20 });
  const flows = new Flows({ world, actions: [Echo, Square, Odd, Total] });
  await world.start();
  return flows;
}

type Stage = { name: string; action: string; props?: JsonObject; out?: string[] };
const flow = (name: string, stages: Stage[]) => ({
  name,
  stages: stages.map((s) => ({ props: {}, out: [], ...s })),
});

const squares = (props: JsonObject, square: JsonObject = {}) =>
  flow('squares', [
    { name: 'in', action: 'Echo', out: ['each'] },
    { name: 'each', action: 'Map', props, out: ['square'] },
    { name: 'square', action: 'Square', props: { $retry: false, ...square }, out: ['collect'] },
    { name: 'collect', action: 'Reduce', out: ['total'] },
    { name: 'total', action: 'Total' },
  ]);

describe('Map and Reduce', () => {
  it('runs each item as a sub-plan, never more than `concurrency` at once, results in item order', async () => {
    const flows = await setup();
    await flows.save(squares({ items: 'numbers', concurrency: 3 }, { hold: true }));
    const numbers = Array.from({ length: 12 }, (_, i) => 12 - i);
    items = numbers.length;
    limit = 3;
    const run = flows.trigger('squares', { numbers });
    const plan = await run.finished;
    expect(plan.result).toBe('success');
    expect(done).toBe(12);
    // Three were held at once (the pump waits for three), and never a fourth.
    expect(peak).toBe(3);
    expect(await flows.result(run.id, 'collect')).toEqual(numbers.map((n) => n * n));
    expect(await flows.result(run.id, 'total')).toBe(numbers.reduce((s, n) => s + n * n, 0));
    expect(await world!.subPlans(run.id)).toHaveLength(12);
  });

  it('leaves out items whose branch a Filter ended', async () => {
    const flows = await setup();
    await flows.save(
      flow('odd', [
        { name: 'in', action: 'Echo', out: ['each'] },
        { name: 'each', action: 'Map', out: ['odd'] },
        { name: 'odd', action: 'Odd', out: ['collect'] },
        { name: 'collect', action: 'Reduce' },
      ]),
    );
    const run = flows.trigger('odd', [1, 2, 3, 4, 5]);
    expect((await run.finished).result).toBe('success');
    expect(await flows.result(run.id, 'collect')).toEqual([1, 3, 5]);
  });

  it('passes the item itself when the Map leads straight into the Reduce', async () => {
    const flows = await setup();
    await flows.save(
      flow('direct', [
        { name: 'in', action: 'Echo', out: ['each'] },
        { name: 'each', action: 'Map', out: ['collect'] },
        { name: 'collect', action: 'Reduce' },
      ]),
    );
    const run = flows.trigger('direct', ['a', 'b']);
    await run.finished;
    expect(await flows.result(run.id, 'collect')).toEqual(['a', 'b']);
  });

  it('handles an empty list', async () => {
    const flows = await setup();
    await flows.save(squares({}));
    const run = flows.trigger('squares', []);
    expect((await run.finished).result).toBe('success');
    expect(await flows.result(run.id, 'total')).toBe(0);
  });

  it('refuses more items than maxItems, and a value that is not a list, with MAP_INPUT_INVALID', async () => {
    const flows = await setup();
    await flows.save(squares({ maxItems: 2 }));
    const tooMany = await flows.trigger('squares', [1, 2, 3]).finished;
    expect(tooMany.state).toBe('paused');
    const error = tooMany.steps.find((s) => s.state === 'error')?.error;
    expect(error?.code).toBe('MAP_INPUT_INVALID');
    expect(error?.message).toBe(
      'Map stage "each" of flow "squares": it got 3 items, more than its maxItems of 2',
    );
    const notList = await flows.trigger('squares', { numbers: 1 }).finished;
    expect(notList.steps.find((s) => s.state === 'error')?.error?.message).toMatch(
      /its items \(the data itself\) are not a list, got object/,
    );
  });

  it('pauses the run when an item fails; resuming the item, then the run, finishes it', async () => {
    const flows = await setup();
    failing.add(2);
    await flows.save(squares({}));
    const run = flows.trigger('squares', [1, 2, 3]);
    const paused = await run.finished;
    expect(paused.state).toBe('paused');
    expect(paused.steps.find((s) => s.state === 'error')?.error?.code).toBe('SUB_PLANS_FAILED');
    const items = await world!.subPlans(run.id);
    const bad = items.find((p) => p.state === 'paused');
    expect(bad).toBeDefined();
    failing.clear();
    await world!.resume(bad!.id);
    const done = await world!.resume(run.id);
    expect(done.result).toBe('success');
    expect(await flows.result(run.id, 'collect')).toEqual([1, 4, 9]);
  });

  it('nests a Map inside another', async () => {
    const flows = await setup();
    await flows.save(
      flow('nested', [
        { name: 'in', action: 'Echo', out: ['rows'] },
        { name: 'rows', action: 'Map', out: ['cells'] },
        { name: 'cells', action: 'Map', out: ['square'] },
        { name: 'square', action: 'Square', out: ['row'] },
        { name: 'row', action: 'Reduce', out: ['rowTotal'] },
        { name: 'rowTotal', action: 'Total', out: ['table'] },
        { name: 'table', action: 'Reduce' },
      ]),
    );
    const run = flows.trigger('nested', [[1, 2], [3], []]);
    expect((await run.finished).result).toBe('success');
    expect(await flows.result(run.id, 'table')).toEqual([5, 9, 0]);
  });
});

describe('Run Flow', () => {
  it('runs another flow as a sub-plan and outputs its result', async () => {
    const flows = await setup();
    await flows.save(flow('child', [{ name: 'sq', action: 'Square' }]));
    await flows.save(
      flow('parent', [
        { name: 'in', action: 'Echo', out: ['call'] },
        { name: 'call', action: 'Run Flow', props: { flow: 'child' }, out: ['after'] },
        { name: 'after', action: 'Echo' },
      ]),
    );
    const run = flows.trigger('parent', 9);
    expect((await run.finished).result).toBe('success');
    expect(await flows.result(run.id, 'after')).toBe(81);
    const [child] = await world!.subPlans(run.id);
    expect(child?.label).toBe('Flowline::FlowRun');
  });
});
