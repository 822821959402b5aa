// Sign in (with the 2FA code step) and registration.
// API: POST /auth/login, POST /auth/2fa/verify, POST /auth/register.

import { html, useState } from '../vendor/htm-preact-standalone.js';
import { api, setToken } from '../api.js';
import { navigate, useTitle, useUrlState } from '../components/hooks.js';
import { Field, ErrorNotice, Link, Status } from '../components/ui.js';

function detailFor(error, field) {
  if (!error || !error.details) return null;
  const d = error.details.find((x) => x.field === field);
  return d ? d.message : null;
}

/** The server's 401 for a wrong 2FA code (the session token is still good). */
function isWrongCode(err) {
  return err.status === 401 && /invalid two-factor code/i.test(err.message || '');
}

export function LoginView({ notice, next }) {
  useTitle('Sign in');
  const [url] = useUrlState({ registered: { type: 'bool' } });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [sessionToken, setSessionToken] = useState(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);

  const finish = (token) => {
    setToken(token);
    navigate(next || '/projects', { replace: true });
  };

  const signIn = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api.post('/auth/login', { email, password });
      if (res && res.requires2FA) {
        setSessionToken(res.sessionToken);
        setPassword('');
      } else if (res && res.token) {
        finish(res.token);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const verify = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api.post('/auth/2fa/verify', { sessionToken, code: code.trim() });
      finish(res.token);
    } catch (err) {
      setError(err);
      setCode('');
      // A wrong code leaves the step open (the server allows a few tries);
      // a session token that expired or died after too many wrong codes
      // sends the user back to the password.
      if (err.status === 401 && !isWrongCode(err)) {
        setSessionToken(null);
        setError('This sign-in attempt expired or had too many wrong codes. Enter your password again.');
      }
    } finally {
      setBusy(false);
    }
  };

  if (sessionToken) {
    return html`<section class="auth card">
      <h1>Two-factor authentication</h1>
      <p>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
      <form onSubmit=${verify}>
        <${Field}
          label="Authentication code"
          value=${code}
          onInput=${setCode}
          autocomplete="one-time-code"
          inputmode="text"
          required=${true}
          autofocus=${true}
        />
        ${isWrongCode(error || {})
          ? html`<div role="alert" class="notice notice-error"><p>Wrong code. Check your authenticator app and try again.</p></div>`
          : html`<${ErrorNotice} error=${error} />`}
        <div class="actions">
          <button type="submit" class="primary" disabled=${busy}>Verify</button>
          <button type="button" onClick=${() => { setSessionToken(null); setCode(''); setError(null); }}>Back</button>
        </div>
      </form>
    </section>`;
  }

  return html`<section class="auth card">
    <h1>Sign in to Orion</h1>
    ${(notice || url.registered) && html`<${Status}>${url.registered ? 'Account created. You can sign in now.' : notice}<//>`}
    <form onSubmit=${signIn}>
      <${Field} label="Email" type="email" value=${email} onInput=${setEmail} autocomplete="username" required=${true} autofocus=${true} />
      <${Field} label="Password" type="password" value=${password} onInput=${setPassword} autocomplete="current-password" required=${true} />
      ${error && error.status === 401
        ? html`<div role="alert" class="notice notice-error"><p>Wrong email or password.</p></div>`
        : html`<${ErrorNotice} error=${error} />`}
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>Sign in</button>
      </div>
    </form>
    <p>No account yet? <${Link} href="/register">Create an account<//></p>
  </section>`;
}

export function RegisterView() {
  useTitle('Create an account');
  const [form, setForm] = useState({ firstName: '', lastName: '', pseudo: '', email: '', password: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const set = (k) => (v) => setForm({ ...form, [k]: v });

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post('/auth/register', form);
      navigate('/login?registered=1', { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return html`<section class="auth card">
    <h1>Create an account</h1>
    <form onSubmit=${submit}>
      <div class="row">
        <${Field} label="First name" value=${form.firstName} onInput=${set('firstName')} autocomplete="given-name" required=${true} error=${detailFor(error, 'firstName')} />
        <${Field} label="Last name" value=${form.lastName} onInput=${set('lastName')} autocomplete="family-name" required=${true} error=${detailFor(error, 'lastName')} />
      </div>
      <${Field}
        label="Username"
        hint="3 to 32 letters, digits, - or _."
        value=${form.pseudo}
        onInput=${set('pseudo')}
        autocomplete="nickname"
        required=${true}
        error=${detailFor(error, 'pseudo')}
      />
      <${Field} label="Email" type="email" value=${form.email} onInput=${set('email')} autocomplete="email" required=${true} error=${detailFor(error, 'email')} />
      <${Field}
        label="Password"
        type="password"
        hint="8 to 72 characters."
        value=${form.password}
        onInput=${set('password')}
        autocomplete="new-password"
        required=${true}
        error=${detailFor(error, 'password')}
      />
      <${ErrorNotice} error=${error} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>Create account</button>
      </div>
    </form>
    <p>Already registered? <${Link} href="/login">Sign in<//></p>
  </section>`;
}
