/** Small formatting helpers shared by the pages. */
import type { HtmlValue, SafeHtml } from './html.js';
import { html } from './html.js';

/** An ISO time as a `<time>` element (UTC, to the second), or a dash. */
export function time(iso: string | undefined): SafeHtml {
  if (iso === undefined) return html`<span class="muted">—</span>`;
  const parsed = Date.parse(iso);
  const shown = Number.isNaN(parsed)
    ? iso
    : new Date(parsed)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');
  return html`<time datetime="${iso}" title="${iso}">${shown}</time>`;
}

/** Milliseconds between two ISO times (up to now when `end` is absent), or `undefined`. */
export function elapsedMs(start: string | undefined, end: string | undefined): number | undefined {
  if (start === undefined) return undefined;
  const from = Date.parse(start);
  const to = end === undefined ? Date.now() : Date.parse(end);
  if (Number.isNaN(from) || Number.isNaN(to)) return undefined;
  return Math.max(0, to - from);
}

/** A duration in words: `250 ms`, `4.2 s`, `3 min 20 s`, `2 h 5 min`; a dash when unknown. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return `${Math.floor(minutes / 1440)} d ${Math.floor((minutes % 1440) / 60)} h`;
}

/** A progress bar with its percentage. */
export function progressBar(progress: number, label?: string): SafeHtml {
  const clamped = Number.isFinite(progress) ? Math.min(1, Math.max(0, progress)) : 0;
  const percent = `${Math.floor(clamped * 100)}%`;
  return html`<span class="progress"
    ><progress value="${clamped.toFixed(3)}" max="1" aria-label="${label ?? 'progress'}">
      ${percent}
    </progress>
    <span class="percent">${percent}</span></span
  >`;
}

/** A state or result as a coloured badge. */
export function badge(kind: 'state' | 'result', value: string): SafeHtml {
  return html`<span class="badge ${kind}-${value}">${value}</span>`;
}

/** JSON, indented, in a `<pre>` (escaped like any other text). */
export function jsonBlock(value: unknown): SafeHtml {
  let text: string;
  try {
    // JSON.stringify returns undefined for undefined, whatever its type says.
    const json = JSON.stringify(value, null, 2) as string | undefined;
    text = json ?? 'undefined';
  } catch {
    text = String(value);
  }
  return html`<pre class="json">${text}</pre>`;
}

/** A definition list from label/value pairs (rows whose value is `undefined` are left out). */
export function facts(rows: readonly (readonly [string, HtmlValue])[]): SafeHtml {
  return html`<dl class="facts">
    ${rows
      .filter(([, value]) => value !== undefined)
      .map(
        ([name, value]) =>
          html`<dt>${name}</dt>
            <dd>${value}</dd>`,
      )}
  </dl>`;
}
