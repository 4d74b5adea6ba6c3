import type { ExecutionPlan } from '../../plan/records.js';
import { badge, progressBar, time } from '../format.js';
import type { SafeHtml } from '../html.js';
import { html } from '../html.js';
import type { Links } from '../links.js';

/** Whether a plan is doing something a page should refresh for. */
export function isActive(plan: Pick<ExecutionPlan, 'state'>): boolean {
  return plan.state === 'running' || plan.state === 'planning';
}

/** A table of plans: id, label, state, result, progress, started, ended. */
export function planTable(
  plans: readonly ExecutionPlan[],
  links: Links,
  caption?: string,
): SafeHtml {
  return html`<table class="plans">
    ${
      caption !== undefined &&
      html`<caption class="muted">
        ${caption}
      </caption>`
    }
    <thead>
      <tr>
        <th>Plan</th>
        <th>Label</th>
        <th>State</th>
        <th>Result</th>
        <th>Progress</th>
        <th>Started</th>
        <th>Ended</th>
      </tr>
    </thead>
    <tbody>
      ${plans.map(
        (plan) =>
          html`<tr
            data-plan-id="${plan.id}"
            data-state="${plan.state}"
            data-result="${plan.result}"
          >
            <td>
              <a class="mono" href="${links.plan(plan.id)}">${plan.id}</a>
              ${plan.invalid !== undefined && html`<br /><span class="badge result-error" title="${plan.invalid.message}">invalid: ${plan.invalid.code}</span>`}
            </td>
            <td>${plan.label}</td>
            <td>${badge('state', plan.state)}</td>
            <td>${badge('result', plan.result)}</td>
            <td>${progressBar(plan.progress, `progress of plan ${plan.id}`)}</td>
            <td>${time(plan.startedAt)}</td>
            <td>${time(plan.endedAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
