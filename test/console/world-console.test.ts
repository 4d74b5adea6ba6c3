/**
 * The console over a world (memory store) on a real HTTP server: pages, filters, paging, malformed
 * input, operations and escaping.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Action, World, silentLogger } from '../../src/index.js';
import type { ExecutionPlan } from '../../src/index.js';
import { createConsole } from '../../src/console/index.js';
import { deferred, nextEvent, planReaching, recordingLogger } from '../helpers/world.js';
import {
  ACTIONS,
  Blocking,
  Client,
  Closer,
  Echo,
  Fleet,
  Flaky,
  Hostile,
  Noop,
  Pipeline,
  Retried,
  section,
  send,
  stepBoxes,
} from './helpers.js';

const closer = new Closer();
let world: World;
let client: Client;
let logger: ReturnType<typeof recordingLogger>;

beforeEach(async () => {
  Flaky.broken = true;
  Retried.calls = 0;
  world = new World({ actions: ACTIONS, logger: silentLogger });
  await world.start();
  closer.add(() => world.close());
  logger = recordingLogger();
  const server = await createConsole({ world, logger }).listen();
  closer.add(() => server.close());
  client = new Client(server.url);
});

afterEach(async () => {
  Blocking.releaseAll();
  await closer.closeAll();
});

/** A plan paused on Flaky's failure (`Pipeline`: steps a, b done, c failed, Report pending). */
async function pausedPipeline(): Promise<ExecutionPlan> {
  const plan = await world.trigger(Pipeline).finished;
  expect(plan.state).toBe('paused');
  return plan;
}

function runSteps(plan: ExecutionPlan): number[] {
  return plan.steps.filter((step) => step.phase === 'run').map((step) => step.id);
}

describe('plan list', () => {
  it('lists plans with link, label, state, result and progress, newest first', async () => {
    const done = await world.trigger(Echo, 'x').finished;
    const paused = await pausedPipeline();
    const reply = await client.get('/');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    const rows = [
      ...reply.flat.matchAll(/<tr data-plan-id="([^"]+)" data-state="(\w+)" data-result="(\w+)"/g),
    ];
    expect(rows.map((row) => row.slice(1))).toEqual([
      [paused.id, 'paused', 'error'],
      [done.id, 'stopped', 'success'],
    ]);
    expect(reply.flat).toContain(`href="/plans/${done.id}"`);
    expect(reply.flat).toContain('<td>Pipeline</td>');
    expect(reply.flat).toMatch(/<progress value="1\.000" max="1"/);
    // Nothing runs: no auto-refresh.
    expect(reply.flat).not.toContain('http-equiv="refresh"');
  });

  it('refreshes itself every 2 s while a listed plan is running', async () => {
    const running = nextEvent(
      world,
      'step:state',
      (e) => e.phase === 'run' && e.state === 'running',
    );
    const { id } = world.trigger(Blocking);
    await running;
    const reply = await client.get('/?state=running');
    expect(reply.flat).toContain(`data-plan-id="${id}" data-state="running"`);
    expect(reply.flat).toContain('<meta http-equiv="refresh" content="2;url=/?state=running"/>');
    await world.halt(id);
  });

  it('filters by state, result, label and action class', async () => {
    const echo = await world.trigger(Echo, 'x').finished;
    const noop = await world.trigger(Noop).finished;
    const paused = await pausedPipeline();
    const ids = async (query: string): Promise<string[]> => {
      const reply = await client.get(`/${query}`);
      expect(reply.status).toBe(200);
      return [...reply.flat.matchAll(/<tr data-plan-id="([^"]+)"/g)].map((match) => match[1] ?? '');
    };
    expect(await ids('?state=paused')).toEqual([paused.id]);
    expect(await ids('?state=stopped&result=success')).toEqual([noop.id, echo.id]);
    expect(await ids('?result=error')).toEqual([paused.id]);
    expect(await ids('?label=Noop')).toEqual([noop.id]);
    // Echo is the root of one plan and an inner action of the pipeline.
    expect(await ids('?class=Echo')).toEqual([paused.id, echo.id]);
    expect(await ids('?class=Echo&state=stopped')).toEqual([echo.id]);
    expect(await ids('?class=Nothing')).toEqual([]);
    // Empty values are no filter; unknown parameters are ignored.
    expect(await ids('?state=&result=&label=&class=&colour=red')).toHaveLength(3);
    const filtered = await client.get('/?state=paused&class=Flaky');
    expect(filtered.flat).toContain('<option value="paused" selected>paused</option>');
    expect(filtered.flat).toContain('name="class" value="Flaky"');
  });

  it('pages 25 plans at a time', async () => {
    for (let i = 0; i < 30; i++) await world.trigger(Noop).finished;
    const first = await client.get('/');
    expect(first.flat.match(/<tr data-plan-id=/g)).toHaveLength(25);
    expect(first.flat).toContain('href="/?page=2"');
    expect(first.flat).not.toContain('rel="prev"');
    const second = await client.get('/?page=2');
    expect(second.flat.match(/<tr data-plan-id=/g)).toHaveLength(5);
    expect(second.flat).toContain('rel="prev" href="/"');
    expect(second.flat).not.toContain('rel="next"');
    const beyond = await client.get('/?page=9');
    expect(beyond.status).toBe(200);
    expect(beyond.flat).toContain('No plans on this page.');
    // Paging keeps the filters.
    const filtered = await client.get('/?label=Noop&class=Noop');
    expect(filtered.flat).toContain('href="/?label=Noop&amp;class=Noop&amp;page=2"');
  });

  it('answers 400 naming the parameter for malformed filters and pages', async () => {
    for (const [query, message] of [
      ['?page=0', 'Parameter page must be a whole number'],
      ['?page=-1', 'Parameter page must be a whole number'],
      ['?page=abc', 'Parameter page must be a whole number'],
      ['?page=1.5', 'Parameter page must be a whole number'],
      ['?page=99999999999999999999', 'Parameter page must be a whole number'],
      ['?state=sleeping', 'Parameter state must be one of pending, scheduled'],
      ['?result=great', 'Parameter result must be one of pending, success'],
      [`?label=${'x'.repeat(201)}`, 'Parameter label is longer than 200 characters'],
    ] as const) {
      const reply = await client.get(`/${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.flat, query).toContain(message);
    }
    // The bad value is shown escaped.
    const hostile = await client.get('/?state=%3Cscript%3E');
    expect(hostile.status).toBe(400);
    expect(hostile.flat).toContain('&quot;&lt;script&gt;&quot;');
    expect(hostile.flat).not.toContain('<script>');
  });
});

describe('plan detail', () => {
  it('draws the run and finalize flows with every step in its state', async () => {
    const plan = await pausedPipeline();
    const reply = await client.get(`/plans/${plan.id}`);
    expect(reply.status).toBe(200);
    const run = stepBoxes(section(reply.flat, 'run-flow'));
    expect(run.map((box) => box.id).sort()).toEqual(runSteps(plan).sort());
    for (const box of run) {
      expect(box.state).toBe(plan.steps[box.id - 1]?.state);
    }
    expect(run.map((box) => box.state)).toEqual(['success', 'success', 'error', 'pending']);
    const finalize = stepBoxes(section(reply.flat, 'finalize-flow'));
    expect(finalize).toEqual([
      { id: plan.steps.find((s) => s.phase === 'finalize')?.id, state: 'pending' },
    ]);
    // Layout: the concurrence of a and b is a column of lanes inside the sequence, then arrows.
    const flow = section(reply.flat, 'run-flow');
    expect(flow).toMatch(/class="flow sequence"><div class="flow concurrence"><div class="lane">/);
    expect(flow.match(/class="connector"/g)).toHaveLength(2);
    expect(flow).toMatch(/class="step state-error"/);
    // Summary, steps, history.
    expect(reply.flat).toContain(`<span class="mono">${plan.id}</span>`);
    expect(reply.flat).toContain('10 (5 plan, 4 run, 1 finalize)');
    expect(reply.flat).toMatch(/<td>start execution<\/td>/);
    expect(reply.flat).toMatch(/<td>pause execution<\/td>/);
    // A paused plan is not refreshed.
    expect(reply.flat).not.toContain('http-equiv="refresh"');
  });

  it('marks running steps and refreshes while the plan runs', async () => {
    const running = nextEvent(
      world,
      'step:state',
      (e) => e.phase === 'run' && e.state === 'running',
    );
    const { id } = world.trigger(Blocking);
    const step = await running;
    const reply = await client.get(`/plans/${id}`);
    expect(stepBoxes(section(reply.flat, 'run-flow'))).toEqual([
      { id: step.stepId, state: 'running' },
    ]);
    expect(reply.flat).toMatch(/class="step state-running"/);
    expect(reply.flat).toContain('<span class="step-state">running</span>');
    expect(reply.flat).toContain(`<meta http-equiv="refresh" content="2;url=/plans/${id}"/>`);
    await world.halt(id);
  });

  it('offers the operations that apply to the plan state', async () => {
    const paused = await pausedPipeline();
    const body = (await client.get(`/plans/${paused.id}`)).flat;
    expect(body).toContain(`action="/plans/${paused.id}/resume"`);
    expect(body).toContain(`action="/plans/${paused.id}/halt"`);
    expect(body).toContain(`action="/plans/${paused.id}/cancel"`);
    const failed = paused.steps.find((step) => step.state === 'error');
    expect(body).toContain(`action="/plans/${paused.id}/steps/${failed?.id}/skip"`);
    expect(body.match(/\/skip"/g)).toHaveLength(1);
    expect(body).toContain(`action="/plans/${paused.id}/rollback"`);
    expect(body).not.toContain('read-only-note');

    const stopped = await world.trigger(Noop).finished;
    const stoppedBody = (await client.get(`/plans/${stopped.id}`)).flat;
    expect(stoppedBody).not.toMatch(/action="[^"]*\/(resume|halt|cancel|skip)"/);
    expect(stoppedBody).toContain('No operation applies to a stopped plan.');

    const planned = await world.plan(Noop);
    const plannedBody = (await client.get(`/plans/${planned.id}`)).flat;
    expect(plannedBody).not.toContain('/resume"');
    expect(plannedBody).toContain(`action="/plans/${planned.id}/halt"`);
    expect(plannedBody).toContain(`action="/plans/${planned.id}/cancel"`);
  });

  it('lists sub-plans and links the parent', async () => {
    const parent = await world.trigger(Fleet, ['h1', 'h2']).finished;
    expect(parent.result).toBe('success');
    const children = await world.subPlans(parent.id);
    expect(children).toHaveLength(2);
    const body = (await client.get(`/plans/${parent.id}`)).flat;
    const subPlans = body.slice(body.indexOf('class="sub-plans"'));
    for (const child of children) expect(subPlans).toContain(`data-plan-id="${child.id}"`);
    const child = children[0] as ExecutionPlan;
    const childBody = (await client.get(`/plans/${child.id}`)).flat;
    expect(childBody).toContain(`href="/plans/${parent.id}/steps/${child.parent?.stepId}"`);
    expect(body.slice(body.indexOf('class="chained"'))).toContain('None.');
  });

  it('shows the idempotency key of a plan triggered with one, escaped', async () => {
    const plan = await world.triggerWith({ idempotencyKey: 'order <17>' }, Noop).finished;
    const body = (await client.get(`/plans/${plan.id}`)).flat;
    expect(body).toContain('Idempotency key');
    expect(body).toContain('order &lt;17&gt;');
    const plain = await world.trigger(Noop).finished;
    expect((await client.get(`/plans/${plain.id}`)).flat).not.toContain('Idempotency key');
  });

  it('answers 404 for an unknown plan, and shows the id escaped', async () => {
    const reply = await client.get('/plans/%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(reply.status).toBe(404);
    expect(reply.flat).toContain(
      'There is no execution plan &lt;script&gt;alert(1)&lt;/script&gt;.',
    );
    expect(reply.flat).not.toContain('<script>');
  });
});

describe('step detail', () => {
  it('shows class, phase, state, input, output, error, attempts, log and timings', async () => {
    const plan = await world.trigger(Retried).finished;
    expect(plan.result).toBe('success');
    const step = plan.steps.find((s) => s.phase === 'run');
    const reply = await client.get(`/plans/${plan.id}/steps/${step?.id}`);
    expect(reply.status).toBe(200);
    const body = reply.flat;
    expect(body).toContain('Step 2: Retried');
    expect(body).toContain('<dt>Phase</dt><dd>run</dd>');
    expect(body).toContain('<span class="badge state-success">success</span>');
    expect(body).toContain('<pre class="json">{ &quot;attempts&quot;: 2 }</pre>');
    expect(body).toMatch(/<h2>Attempts<\/h2>/);
    expect(body).toContain('Error: first attempt fails');
    expect(body.match(/<td class="log-message">attempt<\/td>/g)).toHaveLength(2);
    expect(body).toContain('<code>{&quot;n&quot;:1}</code>');
    expect(body).toMatch(/<dt>Started<\/dt><dd><time datetime="[^"]+"/);
    expect(body).toMatch(/<dt>Duration<\/dt><dd>\d+ ms<\/dd>/);
  });

  it('shows a failed step with its error message, code and stack, and a Skip button', async () => {
    const plan = await pausedPipeline();
    const failed = plan.steps.find((s) => s.state === 'error');
    const body = (await client.get(`/plans/${plan.id}/steps/${failed?.id}`)).flat;
    expect(body).toContain('<span class="error-message">c is broken</span>');
    expect(body).toMatch(/<pre class="stack">Error: c is broken at /);
    expect(body).toContain(`action="/plans/${plan.id}/steps/${failed?.id}/skip"`);
    expect(body).toContain('name="from" value="step"');
  });

  it('answers 404 for an unknown step and 400 for a malformed step id', async () => {
    const plan = await world.trigger(Noop).finished;
    const unknown = await client.get(`/plans/${plan.id}/steps/99`);
    expect(unknown.status).toBe(404);
    expect(unknown.flat).toContain(`Plan ${plan.id} has no step 99.`);
    for (const bad of ['abc', '0', '-1', '1.5', '1e3', '9999999999']) {
      const reply = await client.get(`/plans/${plan.id}/steps/${bad}`);
      expect(reply.status, bad).toBe(400);
      expect(reply.flat, bad).toContain('A step id is a positive whole number');
    }
    expect((await client.get('/plans/nope/steps/1')).status).toBe(404);
    expect((await client.get(`/plans/${plan.id}/steps/1/extra`)).status).toBe(404);
    expect((await client.get('/nothing/here')).status).toBe(404);
    expect((await client.get('/plans/%E0%A4%A')).status).toBe(400);
  });
});

describe('escaping', () => {
  it('renders markup from outputs, logs and errors as text', async () => {
    const ok = await world.trigger(Hostile, false).finished;
    const failed = await world.trigger(Hostile, true).finished;
    const stepOf = (plan: ExecutionPlan): number =>
      plan.steps.find((step) => step.phase === 'run')?.id ?? 0;
    for (const plan of [ok, failed]) {
      const body = (await client.get(`/plans/${plan.id}/steps/${stepOf(plan)}`)).flat;
      expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(body).toContain('&lt;img src=x onerror=alert(2)&gt;');
      expect(body).toContain('&lt;b&gt;bold&lt;/b&gt;');
      expect(body).not.toMatch(/<script|<img|<b>/);
    }
    const failedBody = (await client.get(`/plans/${failed.id}/steps/${stepOf(failed)}`)).flat;
    expect(failedBody).toContain(
      '<span class="error-message">&lt;script&gt;alert(3)&lt;/script&gt;</span>',
    );
    const detail = (await client.get(`/plans/${failed.id}`)).flat;
    expect(detail).toContain('Error: &lt;script&gt;alert(3)&lt;/script&gt;');
    expect(detail).not.toContain('<script');
  });
});

describe('worlds and chained plans in world mode', () => {
  it("lists the registered worlds, the console's own marked", async () => {
    const reply = await client.get('/worlds');
    expect(reply.status).toBe(200);
    expect(reply.flat).toContain(`<tr data-world-id="${world.id}" data-status="live">`);
    expect(reply.flat).toContain('(this console)');
  });

  it('links chained plans both ways', async () => {
    const first = await world.trigger(Echo, 'first').finished;
    const chained = await world.chain(first.id, Echo, 'second');
    await planReaching(world, chained.id, ['stopped']);
    const firstBody = (await client.get(`/plans/${first.id}`)).flat;
    const links = firstBody.slice(firstBody.indexOf('class="chained"'));
    expect(links).toContain('<h3>Waited for by</h3>');
    expect(links).toContain(`href="/plans/${chained.id}"`);
    const secondBody = (await client.get(`/plans/${chained.id}`)).flat;
    expect(secondBody.slice(secondBody.indexOf('class="chained"'))).toContain(
      `<h3>Waits for</h3><ul class="linked-plans"><li><a class="mono" href="/plans/${first.id}">`,
    );
  });
});

describe('methods', () => {
  it('answers 405 with Allow to GET on operations and to POST on pages', async () => {
    const plan = await pausedPipeline();
    for (const path of [
      `/plans/${plan.id}/resume`,
      `/plans/${plan.id}/halt`,
      `/plans/${plan.id}/cancel`,
      `/plans/${plan.id}/steps/1/skip`,
    ]) {
      const reply = await client.get(path);
      expect(reply.status, path).toBe(405);
      expect(reply.headers.allow).toBe('POST');
    }
    for (const path of ['/', `/plans/${plan.id}`, '/worlds']) {
      const reply = await client.post(path);
      expect(reply.status, path).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
    }
    const head = await send(client.url(`/plans/${plan.id}`), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(head.body).toBe('');
    expect((await planReaching(world, plan.id)).state).toBe('paused');
  });
});

describe('operations', () => {
  it('resume: answers once the plan runs again, and the plan finishes', async () => {
    const plan = await pausedPipeline();
    Flaky.broken = false;
    const stopped = nextEvent(
      world,
      'plan:state',
      (e) => e.planId === plan.id && e.state === 'stopped',
    );
    const reply = await client.post(`/plans/${plan.id}/resume`);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toMatch(
      new RegExp(`^/plans/${plan.id}\\?flash=resume%3A(started|done)$`),
    );
    expect((await stopped).result).toBe('success');
    const page = await client.get(reply.headers.location ?? '');
    expect(page.flat).toMatch(/class="flash flash-success"[^>]*>The plan was resumed/);
    expect(page.flat).toContain('<span class="badge state-stopped">stopped</span>');
  });

  it('resume: answers "started" while the resumed step is still at work, without a time bound', async () => {
    const release = deferred();
    let failures = 1;
    class Migrate extends Action {
      async run() {
        if (failures-- > 0) throw new Error('database locked');
        await release.promise;
      }
    }
    world.register(Migrate);
    const plan = await world.trigger(Migrate).finished;
    expect(plan.state).toBe('paused');
    const reply = await client.post(`/plans/${plan.id}/resume`);
    expect(reply.headers.location).toBe(`/plans/${plan.id}?flash=resume%3Astarted`);
    expect(release.settled).toBe(false);
    expect((await world.executionPlan(plan.id))?.state).toBe('running');
    const stopped = nextEvent(
      world,
      'plan:state',
      (e) => e.planId === plan.id && e.state === 'stopped',
    );
    release.resolve();
    expect((await stopped).result).toBe('success');
  });

  it('skip, then resume: the plan ends with a warning', async () => {
    const plan = await pausedPipeline();
    const failed = plan.steps.find((s) => s.state === 'error');
    const skipped = await client.post(`/plans/${plan.id}/steps/${failed?.id}/skip`, {
      from: 'step',
    });
    expect(skipped.status).toBe(303);
    expect(skipped.headers.location).toBe(
      `/plans/${plan.id}/steps/${failed?.id}?flash=skip%3Adone`,
    );
    expect((await world.executionPlan(plan.id))?.steps[(failed?.id ?? 0) - 1]?.state).toBe(
      'skipping',
    );
    const page = await client.get(skipped.headers.location ?? '');
    expect(page.flat).toContain('The step was marked to be skipped');
    const stopped = nextEvent(
      world,
      'plan:state',
      (e) => e.planId === plan.id && e.state === 'stopped',
    );
    expect((await client.post(`/plans/${plan.id}/resume`)).status).toBe(303);
    expect((await stopped).result).toBe('warning');
  });

  it('rollback: compensates what succeeded, shows the compensate flow, and the plan ends cancelled', async () => {
    const plan = await pausedPipeline();
    const stopped = nextEvent(
      world,
      'plan:state',
      (e) => e.planId === plan.id && e.state === 'stopped',
    );
    const reply = await client.post(`/plans/${plan.id}/rollback`);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toMatch(
      new RegExp(`^/plans/${plan.id}\\?flash=rollback%3A(started|done)$`),
    );
    expect((await stopped).result).toBe('cancelled');
    const page = await client.get(reply.headers.location ?? '');
    expect(page.flat).toMatch(
      /class="flash flash-success"[^>]*>(The plan was rolled back|Rollback started)/,
    );
    expect(page.flat).toContain('<h2>Compensate flow</h2>');
    const done = (await world.executionPlan(plan.id)) as ExecutionPlan;
    const compensations = done.steps.filter((step) => step.phase === 'compensate');
    // Echo a and Echo b succeeded; Flaky failed; Report never ran.
    expect(compensations.map((step) => [step.className, step.state])).toEqual([
      ['Echo', 'success'],
      ['Echo', 'success'],
    ]);
    const compensate = page.flat.slice(page.flat.indexOf('id="compensate-flow"'));
    for (const step of compensations) {
      expect(compensate).toContain(`href="/plans/${plan.id}/steps/${step.id}"`);
    }
    // Rolled back: no Rollback button any more, and a second POST is refused.
    expect(page.flat).not.toContain('/rollback"');
    const again = await client.post(`/plans/${plan.id}/rollback`);
    expect(again.headers.location).toBe(`/plans/${plan.id}?flash=rollback%3AINVALID_PLAN_STATE`);
  });

  it('halt stops a running plan', async () => {
    const running = nextEvent(
      world,
      'step:state',
      (e) => e.phase === 'run' && e.state === 'running',
    );
    const { id } = world.trigger(Blocking);
    await running;
    const stopped = nextEvent(world, 'plan:state', (e) => e.planId === id && e.state === 'stopped');
    const reply = await client.post(`/plans/${id}/halt`);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toMatch(/\?flash=halt%3A(done|started)$/);
    await stopped;
    const plan = await world.executionPlan(id);
    expect(plan?.state).toBe('stopped');
    // The halted step keeps the error its signal aborted with, code included.
    const step = plan?.steps.find((s) => s.phase === 'run');
    const page = await client.get(`/plans/${id}/steps/${step?.id}`);
    expect(page.flat).toContain('<dt>Code</dt><dd>PLAN_HALTED</dd>');
  });

  it('cancel stops a planned plan with result cancelled (force passed through)', async () => {
    const planned = await world.plan(Noop);
    const reply = await client.post(`/plans/${planned.id}/cancel`, { force: '1' });
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe(`/plans/${planned.id}?flash=cancel%3Adone`);
    const plan = await world.executionPlan(planned.id);
    expect([plan?.state, plan?.result]).toEqual(['stopped', 'cancelled']);
  });

  it('reports a refused operation with its error code, and changes nothing', async () => {
    const plan = await world.trigger(Noop).finished;
    const reply = await client.post(`/plans/${plan.id}/resume`);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe(`/plans/${plan.id}?flash=resume%3AINVALID_PLAN_STATE`);
    const page = await client.get(reply.headers.location ?? '');
    expect(page.flat).toContain('Could not resume the plan: INVALID_PLAN_STATE');
    expect(logger.entries.some((entry) => entry.level === 'warn')).toBe(true);
    const skip = await client.post(`/plans/${plan.id}/steps/2/skip`);
    expect(skip.headers.location).toBe(`/plans/${plan.id}?flash=skip%3AINVALID_PLAN_STATE`);
    expect((await client.post('/plans/unknown-plan/resume')).status).toBe(404);
  });

  it('shows only the messages it makes: a forged flash is ignored', async () => {
    const plan = await world.trigger(Noop).finished;
    for (const flash of [
      'Your%20session%20expired',
      'resume%3Aevil',
      'resume%3Adone%3Ax',
      'x%3Adone',
    ]) {
      const body = (await client.get(`/plans/${plan.id}?flash=${flash}`)).flat;
      expect(body, flash).not.toContain('class="flash');
    }
  });

  it('refuses a form without the CSRF token, or with a wrong one: 403 and nothing done', async () => {
    const plan = await pausedPipeline();
    Flaky.broken = false;
    const missing = await client.post(`/plans/${plan.id}/resume`, {}, { csrf: false });
    expect(missing.status).toBe(403);
    expect(missing.flat).toContain('CSRF');
    await client.get('/');
    const wrong = await client.post(
      `/plans/${plan.id}/resume`,
      { csrf: 'A'.repeat(43) },
      { csrf: false },
    );
    expect(wrong.status).toBe(403);
    // The field without the cookie (another site cannot read the cookie, nor set it).
    const field = client.jar.get('flowline_csrf') ?? '';
    client.jar.delete('flowline_csrf');
    const noCookie = await client.post(`/plans/${plan.id}/halt`, { csrf: field }, { csrf: false });
    expect(noCookie.status).toBe(403);
    const failed = plan.steps.find((s) => s.state === 'error');
    const skip = await client.post(
      `/plans/${plan.id}/steps/${failed?.id}/skip`,
      {},
      { csrf: false },
    );
    expect(skip.status).toBe(403);
    const after = await world.executionPlan(plan.id);
    expect(after?.state).toBe('paused');
    expect(after?.steps[(failed?.id ?? 0) - 1]?.state).toBe('error');
  });

  it('refuses bodies that are not forms, or too large', async () => {
    const plan = await pausedPipeline();
    await client.get('/');
    const json = await client.post(
      `/plans/${plan.id}/halt`,
      {},
      {
        headers: { 'content-type': 'application/json' },
      },
    );
    expect(json.status).toBe(415);
    const big = await client.post(`/plans/${plan.id}/halt`, { pad: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    expect((await world.executionPlan(plan.id))?.state).toBe('paused');
  });
});
