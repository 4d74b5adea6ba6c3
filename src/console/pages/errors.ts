import type { SafeHtml } from '../html.js';
import { html } from '../html.js';
import type { PageContext } from './layout.js';
import { layout } from './layout.js';

/** A page saying what went wrong with the request (400, 403, 404, 405, 413, 415). */
export function problemPage(ctx: PageContext, title: string, message: string): SafeHtml {
  return layout(ctx, {
    title,
    body: html`<h1>${title}</h1>
      <p class="problem">${message}</p>
      <p><a href="${ctx.links.plans()}">Back to the plan list</a></p>`,
  });
}

/**
 * The page of an unexpected error. It says nothing about the error (details are in the server
 * log) and needs nothing from the request, so it can always be rendered.
 */
export function internalErrorPage(): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Error · Flowline</title>
      </head>
      <body>
        <h1>Something went wrong</h1>
        <p>The console could not answer this request. The error was logged on the server.</p>
      </body>
    </html> `;
}
