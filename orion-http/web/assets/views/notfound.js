// Unknown paths (the server answers every non-/api path with the app).

import { html } from '../vendor/htm-preact-standalone.js';
import { useTitle } from '../components/hooks.js';
import { Link } from '../components/ui.js';

export function NotFoundView({ signedIn }) {
  useTitle('Page not found');
  return html`<div class="page narrow">
    <h1>Page not found</h1>
    <p>There is no page at <code>${location.pathname}</code>.</p>
    <p>${signedIn ? html`<${Link} href="/projects">Go to your projects<//>` : html`<${Link} href="/login">Sign in<//>`}</p>
  </div>`;
}
