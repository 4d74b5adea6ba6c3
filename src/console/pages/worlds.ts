import type { WorldRecord } from '../../persistence/adapter.js';
import { duration, time } from '../format.js';
import type { SafeHtml } from '../html.js';
import { html } from '../html.js';
import type { PageContext } from './layout.js';
import { layout } from './layout.js';

/** What the worlds page shows. */
export interface WorldsView {
  /** Registered worlds. */
  readonly worlds: readonly WorldRecord[];
  /** The console's own world (world mode). */
  readonly ownWorldId: string | undefined;
  readonly heartbeatTimeoutMs: number;
  /** Epoch milliseconds to measure heartbeat ages from. */
  readonly now: number;
}

/** The worlds page: every registered world, live or stale by the age of its last heartbeat. */
export function worldsPage(ctx: PageContext, view: WorldsView): SafeHtml {
  const body =
    view.worlds.length === 0
      ? html`<p class="muted">No world is registered.</p>`
      : worldTable(view.worlds, view);
  return layout(ctx, {
    title: 'Worlds',
    body: html`<h1>Worlds</h1>
      <p class="muted">
        A world is live while its heartbeat is younger than ${duration(view.heartbeatTimeoutMs)}.
      </p>
      ${body}`,
  });
}

function worldTable(worlds: readonly WorldRecord[], view: WorldsView): SafeHtml {
  return html`<table class="worlds">
    <thead>
      <tr>
        <th>World</th>
        <th>Status</th>
        <th>Host</th>
        <th>Pid</th>
        <th>Executor</th>
        <th>Started</th>
        <th>Last heartbeat</th>
      </tr>
    </thead>
    <tbody>
      ${worlds.map((world) => {
        const beat = Date.parse(world.heartbeatAt);
        const age = Number.isNaN(beat) ? undefined : Math.max(0, view.now - beat);
        const live = age !== undefined && age <= view.heartbeatTimeoutMs;
        return html`<tr data-world-id="${world.id}" data-status="${live ? 'live' : 'stale'}">
          <td class="mono">
            ${world.id}${world.id === view.ownWorldId && html` <span class="muted">(this console)</span>`}
          </td>
          <td class="${live ? 'world-live' : 'world-stale'}">${live ? 'live' : 'stale'}</td>
          <td>${world.host}</td>
          <td>${world.pid}</td>
          <td>${world.executor ? 'yes' : 'no (client)'}</td>
          <td>${time(world.startedAt)}</td>
          <td>${time(world.heartbeatAt)} <span class="muted">(${duration(age)} ago)</span></td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
