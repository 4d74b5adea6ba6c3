/**
 * Stage actions of the flow crash test: in the worker (FLOWLINE_CRASH_BLOCK=1) the item `3` blocks
 * until the process is killed; in the recovering process every item squares.
 */
import type { JsonValue } from '../../src/index.js';
import { StageAction } from '../../src/flows/index.js';

export class SlowSquare extends StageAction<object, number, number> {
  static override actionName = 'Slow Square';
  async process(data: number) {
    if (data === 3 && process.env.FLOWLINE_CRASH_BLOCK === '1') {
      process.stdout.write(`BLOCKED ${this.executionPlanId}\n`);
      await new Promise<never>(() => {});
    }
    return data * data;
  }
}

export const crashFlow = {
  name: 'crash squares',
  stages: [
    { name: 'numbers', action: 'Manual Trigger', props: {}, out: ['each'] },
    { name: 'each', action: 'Map', props: { concurrency: 2 }, out: ['square'] },
    { name: 'square', action: 'Slow Square', props: { $retry: false }, out: ['collect'] },
    { name: 'collect', action: 'Reduce', props: {}, out: [] },
  ],
} satisfies {
  name: string;
  stages: { name: string; action: string; props: JsonValue; out: string[] }[];
};
