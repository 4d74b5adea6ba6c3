import type { SerializedError } from '../../errors.js';
import type { StepLogLine } from '../../persistence/adapter.js';
import type { ExecutionPlan, StepRecord } from '../../plan/records.js';
import type { Flash } from '../flash.js';
import { badge, duration, elapsedMs, facts, jsonBlock, progressBar, time } from '../format.js';
import type { SafeHtml } from '../html.js';
import { html, join, raw } from '../html.js';
import type { PageContext } from './layout.js';
import { layout } from './layout.js';
import { skipForm } from './operation-forms.js';
import { isActive } from './plan-table.js';

/** The step page: what it is, its action's input and output, its error, attempts and log. */
export function stepDetailPage(
  ctx: PageContext,
  plan: ExecutionPlan,
  step: StepRecord,
  log: readonly StepLogLine[],
  flash?: Flash,
): SafeHtml {
  const { links } = ctx;
  const action = plan.actions[step.actionId - 1];
  return layout(ctx, {
    title: `Step ${step.id} of ${plan.label}`,
    flash,
    refresh: isActive(plan) ? links.step(plan.id, step.id) : undefined,
    body: html`<p class="muted">
        <a href="${links.plans()}">Plans</a> / <a href="${links.plan(plan.id)}">${plan.label}</a>
        <span class="mono">${plan.id}</span> /
      </p>
      <h1>
        Step ${step.id}: ${step.className} <span class="muted">(${step.phase})</span>
        <span class="badge state-${step.state}">${step.state}</span>
      </h1>
      ${facts([
        [
          'Plan',
          html`<a class="mono" href="${links.plan(plan.id)}">${plan.id}</a>
            ${badge('state', plan.state)}`,
        ],
        ['Class', step.className],
        ['Phase', step.phase],
        ['State', html`<span class="badge state-${step.state}">${step.state}</span>`],
        ['Action', `${step.actionId}`],
        ['Progress', progressBar(step.progress, 'step progress')],
        ['Progress weight', `${step.progressWeight}`],
        [
          'Waits for',
          step.requires === undefined || step.requires.length === 0
            ? undefined
            : join(
                step.requires.map((id) => html`<a href="${links.step(plan.id, id)}">#${id}</a>`),
                raw(', '),
              ),
        ],
        ['Started', time(step.startedAt)],
        ['Ended', time(step.endedAt)],
        ['Duration', duration(elapsedMs(step.startedAt, step.endedAt))],
      ])}
      ${skipForm(ctx, plan, step, 'step')}
      ${
        step.error !== undefined &&
        html`<section class="error">
          <h2>Error</h2>
          ${errorBlock(step.error)}
        </section>`
      }
      <section>
        <h2>Input</h2>
        ${action === undefined ? html`<p class="muted">Unknown action.</p>` : jsonBlock(action.input)}
      </section>
      <section>
        <h2>Output</h2>
        ${action === undefined ? html`<p class="muted">Unknown action.</p>` : jsonBlock(action.output)}
      </section>
      ${attemptsSection(step)}
      <section class="log">
        <h2>Log</h2>
        ${log.length === 0 ? html`<p class="muted">No log lines.</p>` : logTable(log)}
      </section>`,
  });
}

function errorBlock(error: SerializedError): SafeHtml {
  return html`${facts([
    ['Class', error.className],
    ['Code', error.code],
    ['Message', html`<span class="error-message">${error.message}</span>`],
  ])}
  ${error.stack !== undefined && html`<pre class="stack">${error.stack}</pre>`}`;
}

function attemptsSection(step: StepRecord): SafeHtml {
  const attempts = step.attempts ?? [];
  if (attempts.length === 0) return html``;
  return html`<section class="attempts">
    <h2>Attempts</h2>
    <table>
      <thead>
        <tr>
          <th>#</th>
          <th>Started</th>
          <th>Ended</th>
          <th>Duration</th>
          <th>Error</th>
        </tr>
      </thead>
      <tbody>
        ${attempts.map(
          (attempt, index) =>
            html`<tr>
              <td>${index + 1}</td>
              <td>${time(attempt.startedAt)}</td>
              <td>${time(attempt.endedAt)}</td>
              <td>${duration(elapsedMs(attempt.startedAt, attempt.endedAt))}</td>
              <td>
                ${
                  attempt.error === undefined
                    ? html`<span class="muted">—</span>`
                    : `${attempt.error.className}${attempt.error.code === undefined ? '' : ` (${attempt.error.code})`}: ${attempt.error.message}`
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function logTable(log: readonly StepLogLine[]): SafeHtml {
  return html`<table>
    <thead>
      <tr>
        <th>At</th>
        <th>Level</th>
        <th>Message</th>
        <th>Details</th>
      </tr>
    </thead>
    <tbody>
      ${log.map(
        (line) =>
          html`<tr class="log-${line.level}">
            <td>${time(line.at)}</td>
            <td>${line.level}</td>
            <td class="log-message">${line.message}</td>
            <td>
              ${line.meta === undefined ? '' : html`<code>${JSON.stringify(line.meta)}</code>`}
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
