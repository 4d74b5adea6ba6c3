import type { Flash } from '../flash.js';
import type { HtmlValue, SafeHtml } from '../html.js';
import { html, raw } from '../html.js';
import type { Links } from '../links.js';
import { CSRF_FIELD } from '../security.js';
import { STYLES } from '../styles.js';

/** What every page needs to know about the request it answers. @internal */
export interface PageContext {
  readonly links: Links;
  /** The CSRF token to put in forms. */
  readonly csrf: string;
  /** Whether operations are offered (a console created with a world). */
  readonly canOperate: boolean;
  /** Whether the console has a token (then a logout button is shown). */
  readonly hasToken: boolean;
}

/** Seconds between reloads of a page showing something running. */
export const REFRESH_SECONDS = 2;

/** A page's parts. */
export interface PageParts {
  readonly title: string;
  readonly body: HtmlValue;
  readonly flash?: Flash | undefined;
  /** Reload this URL every {@link REFRESH_SECONDS} seconds (while something is running). */
  readonly refresh?: string | undefined;
}

/** The hidden CSRF field of a form. */
export function csrfField(ctx: PageContext): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrf}" />`;
}

/**
 * The HTML document around every page, the login form included: head (styles, an optional
 * refresh) and body.
 */
export function documentShell(title: string, body: SafeHtml, refresh?: string): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        ${refresh === undefined ? '' : html`<meta http-equiv="refresh" content="${REFRESH_SECONDS};url=${refresh}" />`}
        <title>${title} · Flowline</title>
        <link rel="icon" href="data:," />
        <style>
          ${raw(STYLES)}
        </style>
      </head>
      <body>
        ${body}
      </body>
    </html> `;
}

/** A whole page: head (styles, optional refresh), navigation, notes and content. */
export function layout(ctx: PageContext, parts: PageParts): SafeHtml {
  const { links } = ctx;
  return documentShell(
    parts.title,
    html`<header>
        <a class="brand" href="${links.plans()}">Flowline</a>
        <nav><a href="${links.plans()}">Plans</a><a href="${links.worlds()}">Worlds</a></nav>
        ${ctx.hasToken && html`<form method="post" action="${links.logout()}">${csrfField(ctx)}<button type="submit">Log out</button></form>`}
      </header>
      <main>
        ${!ctx.canOperate && html`<p class="note read-only-note">Read-only console: operations (resume, halt, cancel, rollback, skip a step) need a console created with a world.</p>`}
        ${parts.flash !== undefined && html`<p class="flash flash-${parts.flash.kind}" role="status">${parts.flash.text}</p>`}
        ${parts.body}
      </main>`,
    parts.refresh,
  );
}
