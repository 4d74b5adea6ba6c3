/**
 * The example flows (examples/flows), end to end on a real SQLite file against the fake services:
 * the batches Acme gets and their order, the enrichment and redaction of each event, the lead sent
 * to the CRM and the data lake concurrently, a prospect ended by the Filter, and what a second
 * world on the same file reads back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeServices, FakeServicesOptions } from '../../examples/flows/fake-services.js';
import {
  ACME_TOKEN,
  ROUTES,
  SAMPLE_EVENTS,
  startFakeServices,
} from '../../examples/flows/fake-services.js';
import { FLOW_FILES, flowSource } from '../../examples/flows/flow-files.js';
import { EXAMPLE_STAGE_ACTIONS } from '../../examples/flows/stages.js';
import { World } from '../../src/index.js';
import type { ExecutionPlan, JsonValue } from '../../src/index.js';
import { Flows } from '../../src/flows/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';

const ACME = FLOW_FILES.publishToAcme.name;
const LEAD = FLOW_FILES.marketingLead.name;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Fake services, a world on a fresh SQLite file, and both example flows saved in it. */
async function setUp(options: FakeServicesOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'flowline-flows-examples-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const services = await startFakeServices(options);
  const filename = join(dir, 'flows.db');
  const { world, flows } = await open(filename);
  // Closed before the world: a request the services hold would keep the world's close waiting.
  cleanups.push(() => services.close());
  for (const { file } of Object.values(FLOW_FILES)) {
    const { text, fileName } = flowSource(file, services.url);
    await flows.save(text, { fileName });
  }
  return { services, world, flows, filename };
}

async function open(filename: string) {
  const world = new World({ adapter: new SqliteAdapter({ filename }) });
  cleanups.push(() => world.close());
  const flows = new Flows({ world, actions: EXAMPLE_STAGE_ACTIONS });
  await world.start();
  return { world, flows };
}

const bodies = (services: FakeServices, route: string) =>
  services.accepted(route).map((request) => request.body);

/** The failed step's error code in a paused run. */
function failure(plan: ExecutionPlan): string | undefined {
  return plan.steps.find((step) => step.state === 'error')?.error?.code;
}

const initechLead = {
  firstname: ' Ada ',
  lastname: 'Byron',
  company: 'Initech',
  email: 'Ada@Initech.example',
};

describe('Publish to Acme API', () => {
  it('publishes the redacted, enriched events to Acme in batches of three, in order', async () => {
    const { services, flows } = await setUp({ failures: { [ROUTES.acme]: 1 } });
    const run = flows.trigger(ACME, { stream: 'orders' });
    const plan = await run.finished;
    expect(plan.result).toBe('success');

    const batches = bodies(services, ROUTES.acme) as { event: { id: string } }[][];
    expect(batches.map((batch) => batch.map((record) => record.event.id))).toEqual([
      ['evt-1', 'evt-2', 'evt-3'],
      ['evt-4', 'evt-5', 'evt-6'],
      ['evt-7'],
    ]);
    // The first POST got a 503 and was retried: four requests, three accepted.
    const acmeCalls = services.received.filter((r) => `${r.method} ${r.path}` === ROUTES.acme);
    expect(acmeCalls).toHaveLength(4);
    expect(acmeCalls.every((r) => r.headers.authorization === `Bearer ${ACME_TOKEN}`)).toBe(true);
    expect(acmeCalls[0]?.body).toEqual(acmeCalls[1]?.body);

    expect(batches[0]?.[0]).toEqual({
      event: {
        id: 'evt-1',
        type: 'order.paid',
        userId: 'u-2',
        amountCents: 1000,
        occurredAt: '2026-12-01T10:00:00.000Z',
        emailDomain: 'shop2.example',
      },
      account: { accountId: 'acct-200', tier: 'silver', country: 'DE' },
    });
    const published = JSON.stringify(batches);
    for (const secret of ['buyer', '203.0.113.', 'card_last4', 'user_id']) {
      expect(published).not.toContain(secret);
    }
    expect(bodies(services, ROUTES.accounts)).toHaveLength(SAMPLE_EVENTS.length);

    // Stage results: a stage inside a Map gives its per-item outputs in item order.
    const records = (await flows.result(run.id, 'Collect records')) as JsonValue[];
    expect(records).toEqual(batches.flat());
    expect(await flows.result(run.id, 'Enrich')).toEqual(records);
    const chunks = await flows.result(run.id, 'Batch records');
    expect(chunks).toEqual(batches);
    const answers = (await flows.result(run.id, 'Published')) as {
      status: number;
      body: unknown;
    }[];
    expect(answers.map((a) => [a.status, a.body])).toEqual([
      [202, { accepted: 3 }],
      [202, { accepted: 3 }],
      [202, { accepted: 1 }],
    ]);
  });

  it('pauses the run when the stream is unknown (a 404 is not retried)', async () => {
    const { services, flows } = await setUp();
    const plan = await flows.trigger(ACME, { stream: 'payments' }).finished;
    expect(plan.state).toBe('paused');
    expect(failure(plan)).toBe('HTTP_REQUEST_FAILED');
    expect(services.received.filter((r) => r.path === '/internal/events')).toHaveLength(1);
    expect(services.received.filter((r) => r.path.startsWith('/acme'))).toHaveLength(0);
  });

  it('reads any stream of objects, and refuses a line that is not a JSON object', async () => {
    // Keys the engine refuses in plain data on purpose are left out.
    const key = fc.string().filter((k) => k !== '__proto__' && !k.startsWith('$flowline'));
    const event = fc.oneof(fc.jsonValue(), fc.dictionary(key, fc.jsonValue()));
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 5 }), async (events) => {
        const { services, flows } = await setUp({ streams: { random: events as never } });
        const run = flows.trigger(ACME, { stream: 'random' });
        const plan = await run.finished;
        const objects = events.every(
          (e) => typeof e === 'object' && e !== null && !Array.isArray(e),
        );
        if (objects) {
          // Later stages may refuse random events; reading them succeeded.
          const read = await flows.result(run.id, 'Read events');
          expect(read).toEqual(JSON.parse(JSON.stringify(events)));
        } else {
          expect(plan.state).toBe('paused');
          expect(failure(plan)).toBe('INVALID_ARGUMENT');
          // Not retried: one read.
          expect(services.received.filter((r) => r.path === '/internal/events')).toHaveLength(1);
        }
        for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
      }),
      // Each run opens a SQLite world and its services, and random events may meet the stage
      // retries' real backoff (up to 3.5 s): a few runs, with room for a loaded machine.
      { numRuns: 4 },
    );
  }, 60_000);
});

describe('Marketing lead', () => {
  it("sends an existing customer's lead with its activity to the CRM and the data lake at once", async () => {
    // With `rendezvous`, neither service answers until both got their request: the run ends only
    // if the two branches run concurrently.
    const { services, flows } = await setUp({ rendezvous: true });
    const run = flows.trigger(LEAD, initechLead);
    const plan = await run.finished;
    expect(plan.result).toBe('success');

    expect(bodies(services, ROUTES.customers)).toEqual([
      {
        firstName: 'Ada',
        lastName: 'Byron',
        company: 'Initech',
        email: 'ada@initech.example',
        domain: 'initech.example',
      },
    ]);
    expect(bodies(services, ROUTES.activity)).toHaveLength(1);
    const activity = {
      customerId: 'cust-42',
      month: '2026-11',
      activeUsers: 119,
      apiCalls: 119000,
      tickets: 2,
    };
    const record = {
      firstName: 'Ada',
      lastName: 'Byron',
      email: 'ada@initech.example',
      company: 'Initech',
      domain: 'initech.example',
      customerId: 'cust-42',
      activity,
      source: 'website form',
    };
    expect(bodies(services, ROUTES.lake)).toEqual([record]);
    expect(bodies(services, ROUTES.crm)).toEqual([
      {
        FirstName: 'Ada',
        LastName: 'Byron',
        Company: 'Initech',
        Email: 'ada@initech.example',
        Website: 'https://initech.example',
        Description: 'Monthly active users: 119',
        LeadSource: 'Web',
      },
    ]);
    expect(await flows.result(run.id, 'Lead record')).toEqual(record);
    const crm = (await flows.result(run.id, 'Send to CRM')) as { status: number; body: unknown };
    expect(crm.status).toBe(201);
    expect(crm.body).toMatchObject({ success: true });
  });

  it('ends a prospect at the Filter, before the activity report; the run succeeds', async () => {
    const { services, flows } = await setUp();
    const run = flows.trigger(LEAD, {
      ...initechLead,
      company: 'Hooli',
      email: 'bo@hooli.example',
    });
    const plan = await run.finished;
    expect(plan.state).toBe('stopped');
    expect(plan.result).toBe('success');
    expect(bodies(services, ROUTES.customers)).toHaveLength(1);
    expect(services.received.map((r) => r.path)).toEqual(['/customers/lookup']);
    expect(await flows.result(run.id, 'Combine')).toMatchObject({ existing: false });
    for (const stage of [
      'Existing customers',
      'Activity report',
      'Send to CRM',
      'Store in data lake',
    ]) {
      expect(await flows.result(run.id, stage)).toBeUndefined();
    }
  });

  it('sends a lead to the CRM only when its domain is a customer, for any form input', async () => {
    const { services, flows } = await setUp();
    const email = fc.oneof(
      fc.emailAddress(),
      fc.constantFrom('x@initech.example', 'y@GLOBEX.example ', 'z@'),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          { firstname: fc.string(), lastname: fc.string(), company: fc.string(), email },
          { requiredKeys: ['company', 'email'] },
        ),
        async (form) => {
          const before = services.accepted(ROUTES.crm).length;
          const run = flows.trigger(LEAD, form);
          const plan = await run.finished;
          expect(plan.result).toBe('success');
          // As the flow's JSONata does: $trim, then $substringAfter (all of it without an "@").
          const email = form.email.replace(/[ \t\n\r]+/g, ' ').replace(/^ | $/g, '');
          const at = email.indexOf('@');
          const domain = (at < 0 ? email : email.slice(at + 1)).toLowerCase();
          const customer = ['initech.example', 'globex.example'].includes(domain);
          expect(services.accepted(ROUTES.crm).length - before).toBe(customer ? 1 : 0);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('warns about a form without an email; a non-string email fails the run', async () => {
    const { services, flows } = await setUp();
    const warned = flows.trigger(LEAD, { company: 'Initech' });
    expect((await warned.finished).result).toBe('success');
    const [run] = await flows.runs(LEAD);
    expect(run?.id).toBe(warned.id);
    expect(run?.warnings?.join()).toMatch(/"Split domain".*email/);

    const failed = await flows.trigger(LEAD, { company: 'Initech', email: 42 }).finished;
    expect(failed.state).toBe('paused');
    expect(failure(failed)).toBe('EXPRESSION_FAILED');
    expect(bodies(services, ROUTES.crm)).toEqual([]);
  });
});

describe('the example flows on SQLite', () => {
  it('keeps the flows, their runs and stage results for another world on the same file', async () => {
    const { flows, world, filename } = await setUp();
    const lead = flows.trigger(LEAD, initechLead);
    await lead.finished;
    const acme = flows.trigger(ACME, { stream: 'orders' });
    await acme.finished;

    const metrics = await flows.metrics(LEAD);
    expect(metrics.runs).toBe(1);
    expect(metrics.failures).toBe(0);
    expect(metrics.durationMs.p50).toBeGreaterThanOrEqual(0);
    expect(Object.keys(metrics.stages)).toContain('Send to CRM');

    await world.close();
    const again = await open(filename);
    expect((await again.flows.list()).map((v) => v.name).sort()).toEqual([LEAD, ACME].sort());
    const runs = await again.flows.runs(LEAD);
    expect(runs.map((r) => [r.id, r.result])).toEqual([[lead.id, 'success']]);
    expect(await again.flows.result(lead.id, 'Lead record')).toMatchObject({
      customerId: 'cust-42',
    });
    expect(((await again.flows.result(acme.id, 'Collect records')) as unknown[]).length).toBe(7);
  });
});
