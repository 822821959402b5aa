// Account security: set up, enable and disable two-factor authentication.
// API: GET /auth/me, POST /auth/2fa/setup, /auth/2fa/enable, /auth/2fa/disable.
// The secret and recovery codes live in component memory only, never in the URL.

import { html, useState } from '../vendor/htm-preact-standalone.js';
import { api } from '../api.js';
import { useAsync, useTitle } from '../components/hooks.js';
import { Field, ErrorNotice, Loading, Status, CopyButton } from '../components/ui.js';

export function TwoFactorView() {
  useTitle('Two-factor authentication');
  const me = useAsync((signal) => api.get('/auth/me', undefined, { signal }), []);
  const [setup, setSetup] = useState(null);
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [message, setMessage] = useState('');

  const run = async (fn) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const start = () =>
    run(async () => {
      setSetup(await api.post('/auth/2fa/setup', {}));
      setMessage('Scan the QR code, then enter a code to turn two-factor authentication on.');
    });

  const enable = (e) => {
    e.preventDefault();
    run(async () => {
      const res = await api.post('/auth/2fa/enable', { code: code.trim() });
      setRecovery(res.recoveryCodes || []);
      setSetup(null);
      setCode('');
      setMessage('Two-factor authentication is on.');
      me.setData((d) => ({ ...d, twoFactorEnabled: true }));
    });
  };

  const disable = (e) => {
    e.preventDefault();
    run(async () => {
      await api.post('/auth/2fa/disable', { code: code.trim() });
      setCode('');
      setRecovery(null);
      setMessage('Two-factor authentication is off.');
      me.setData((d) => ({ ...d, twoFactorEnabled: false }));
    });
  };

  let body;
  if (me.loading && !me.data) body = html`<${Loading} />`;
  else if (me.error && !me.data) body = html`<${ErrorNotice} error=${me.error} />`;
  else if (recovery) {
    body = html`<section class="card" aria-labelledby="rc-title">
      <h2 id="rc-title">Recovery codes</h2>
      <p>Each code works once, in place of an authenticator code. Store them somewhere safe: <strong>they are shown only now.</strong></p>
      <ul class="codes">${recovery.map((c) => html`<li><code>${c}</code></li>`)}</ul>
      <${CopyButton} text=${recovery.join('\n')} label="Copy recovery codes" />
      <div class="actions"><button type="button" onClick=${() => setRecovery(null)}>I have saved them</button></div>
    </section>`;
  } else if (me.data && me.data.twoFactorEnabled) {
    body = html`<section class="card">
      <p>Two-factor authentication is <strong>on</strong> for ${me.data.email}.</p>
      <form onSubmit=${disable}>
        <${Field} label="Authentication code" hint="A code from your app or a recovery code." value=${code} onInput=${setCode} autocomplete="one-time-code" required=${true} />
        <div class="actions"><button type="submit" class="danger" disabled=${busy}>Disable two-factor authentication</button></div>
      </form>
    </section>`;
  } else if (setup) {
    body = html`<section class="card">
      <img class="qr" src=${`data:image/png;base64,${setup.qrPngBase64}`} alt="QR code for your authenticator app" width="200" height="200" />
      <p>Can't scan it? Enter this key in your app: <code class="secret-value">${setup.secret}</code></p>
      <form onSubmit=${enable}>
        <${Field} label="Authentication code" value=${code} onInput=${setCode} autocomplete="one-time-code" required=${true} autofocus=${true} />
        <div class="actions">
          <button type="submit" class="primary" disabled=${busy}>Enable two-factor authentication</button>
          <button type="button" onClick=${() => { setSetup(null); setCode(''); }}>Cancel</button>
        </div>
      </form>
    </section>`;
  } else {
    body = html`<section class="card">
      <p>Two-factor authentication is <strong>off</strong>. With it on, signing in also asks for a code from an authenticator app.</p>
      <div class="actions"><button type="button" class="primary" onClick=${start} disabled=${busy}>Set up two-factor authentication</button></div>
    </section>`;
  }

  return html`<div class="page narrow">
    <h1>Two-factor authentication</h1>
    <${Status}>${message}<//>
    <${ErrorNotice} error=${error} />
    ${body}
  </div>`;
}
