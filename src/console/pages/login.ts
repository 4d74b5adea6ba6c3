import type { SafeHtml } from '../html.js';
import { html } from '../html.js';
import type { Links } from '../links.js';
import { CSRF_FIELD } from '../security.js';
import { documentShell } from './layout.js';

/** What the login page shows. */
export interface LoginPageOptions {
  readonly links: Links;
  readonly csrf: string;
  /** The console path to return to after logging in. */
  readonly next: string;
  /** Set after a wrong token. */
  readonly failed: boolean;
}

/** The login form: asks for the console's token; shows no data. */
export function loginPage(options: LoginPageOptions): SafeHtml {
  return documentShell(
    'Log in',
    html`<main>
      <div class="login">
        <h1>Flowline console</h1>
        <p>This console is protected by a token. Enter it to continue.</p>
        ${options.failed && html`<p class="flash flash-error" role="alert">That token is not valid.</p>`}
        <form method="post" action="${options.links.login()}">
          <input type="hidden" name="${CSRF_FIELD}" value="${options.csrf}" />
          <input type="hidden" name="next" value="${options.next}" />
          <label for="token">Token</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="current-password"
            required
            autofocus
          />
          <button class="primary" type="submit">Log in</button>
        </form>
      </div>
    </main>`,
  );
}
