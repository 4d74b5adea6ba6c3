/**
 * The seed's two example flows, run on a SQLite file against local fake services.
 *
 * 1. "Publish to Acme API": events read from an internal stream are redacted, enriched with the
 *    user's account, batched and published to Acme, batch after batch (Acme's first answer is a
 *    503: the stage retries it).
 * 2. "Marketing lead": a form submission becomes a lead; an existing customer's lead gets its
 *    monthly activity report and goes to the CRM and the data lake at once; a prospect's run ends
 *    at the Filter and still succeeds.
 *
 * Run it with `npm run flows:demo` (or `npx tsx examples/flows/main.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { World } from '../../src/index.js';
import type { JsonValue } from '../../src/index.js';
import { Flows } from '../../src/flows/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { ROUTES, startFakeServices } from './fake-services.js';
import { FLOW_FILES, flowSource } from './flow-files.js';
import { EXAMPLE_STAGE_ACTIONS } from './stages.js';

const dir = mkdtempSync(join(tmpdir(), 'flowline-flows-'));
const services = await startFakeServices({ failures: { [ROUTES.acme]: 1 } });
const world = new World({ adapter: new SqliteAdapter({ filename: join(dir, 'flows.db') }) });
const flows = new Flows({ world, actions: EXAMPLE_STAGE_ACTIONS });

/** One line of JSON, cut short. */
function brief(value: JsonValue | undefined): string {
  if (value === undefined) return '(skipped: a Filter ended this branch)';
  const text = JSON.stringify(value);
  return text.length > 150 ? `${text.slice(0, 150)}…` : text;
}

/** Runs a flow, waits for it, prints its state and each stage's result. */
async function run(name: string, input: JsonValue): Promise<void> {
  const triggered = flows.trigger(name, input);
  const plan = await triggered.finished;
  console.log(`\n${name} (run ${triggered.id}): ${plan.state}/${plan.result}`);
  const version = await flows.get(name);
  for (const stage of version?.definition.stages ?? []) {
    console.log(
      `  ${stage.name.padEnd(20)} ${brief(await flows.result(triggered.id, stage.name))}`,
    );
  }
}

try {
  await world.start();
  for (const { file } of Object.values(FLOW_FILES)) {
    const { text, fileName } = flowSource(file, services.url);
    const saved = await flows.save(text, { fileName });
    console.log(`saved "${saved.name}" version ${saved.version} (${saved.stage})`);
  }

  await run(FLOW_FILES.publishToAcme.name, { stream: 'orders' });
  const batches = services.accepted(ROUTES.acme).map((r) => r.body as { event: { id: string } }[]);
  console.log(`  Acme got ${batches.length} batches (after one 503, retried):`);
  for (const batch of batches) console.log(`    ${batch.map((r) => r.event.id).join(', ')}`);

  const lead = {
    firstname: 'Ada',
    lastname: 'Byron',
    company: 'Initech',
    email: 'ada@Initech.example',
  };
  await run(FLOW_FILES.marketingLead.name, lead);
  const prospect = { firstname: 'Bo', lastname: 'Li', company: 'Hooli', email: 'bo@hooli.example' };
  await run(FLOW_FILES.marketingLead.name, prospect);
  console.log(
    `  the CRM got ${services.accepted(ROUTES.crm).length} lead(s), the data lake ` +
      `${services.accepted(ROUTES.lake).length}: the prospect stopped at the Filter`,
  );

  for (const { name } of Object.values(FLOW_FILES)) {
    const metrics = await flows.metrics(name);
    const runs = await flows.runs(name);
    console.log(
      `\nmetrics of "${name}": ${metrics.runs} runs, ${metrics.failures} failed, ` +
        `p50 ${metrics.durationMs.p50?.toFixed(1)} ms, p95 ${metrics.durationMs.p95?.toFixed(1)} ms, ` +
        `p99 ${metrics.durationMs.p99?.toFixed(1)} ms (${runs.length} runs stored)`,
    );
    for (const [stage, m] of Object.entries(metrics.stages)) {
      console.log(
        `  ${stage.padEnd(20)} ${m.runs} runs, ${m.failures} failed, p50 ` +
          `${m.durationMs.p50?.toFixed(1)} ms`,
      );
    }
  }
} finally {
  await world.close();
  await services.close();
  rmSync(dir, { recursive: true, force: true });
}
