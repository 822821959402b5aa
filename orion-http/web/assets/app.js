// The dashboard's entry point: theme, keyboard shortcuts, the router on
// `location.pathname` (history.pushState) and the shell around each view.

import { html, render, useState, useEffect, useRef } from './vendor/htm-preact-standalone.js';
import { matchRoute, pathFor, PUBLIC_ROUTES } from './lib/routes.js';
import { keyAction, isTextEntry } from './lib/keys.js';
import { isSignedIn, onAuthChange, signOut } from './api.js';
import { useLocation, navigate, KEY_EVENT } from './components/hooks.js';
import { Link } from './components/ui.js';
import { THEME_EVENT } from './components/chart.js';
import { LoginView, RegisterView } from './views/login.js';
import { TwoFactorView } from './views/twofa.js';
import { ProjectsView } from './views/projects.js';
import { LogsView } from './views/logs.js';
import { LiveView } from './views/live.js';
import { ServersView } from './views/servers.js';
import { ServerView } from './views/server.js';
import { IncidentsView } from './views/incidents.js';
import { AlertsView } from './views/alerts.js';
import { SettingsView } from './views/settings.js';
import { NotFoundView } from './views/notfound.js';

// ---- theme -----------------------------------------------------------

const THEME_KEY = 'orion.theme';
const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');

function storedTheme() {
  try {
    const t = localStorage.getItem(THEME_KEY);
    return t === 'dark' || t === 'light' ? t : null;
  } catch {
    return null;
  }
}

function effectiveTheme() {
  return document.documentElement.dataset.theme || (darkQuery.matches ? 'dark' : 'light');
}

function toggleTheme() {
  const next = effectiveTheme() === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  try {
    localStorage.setItem(THEME_KEY, next);
  } catch {
    /* not persisted */
  }
  window.dispatchEvent(new Event(THEME_EVENT));
}

const initialTheme = storedTheme();
if (initialTheme) document.documentElement.dataset.theme = initialTheme;
darkQuery.addEventListener('change', () => window.dispatchEvent(new Event(THEME_EVENT)));

// ---- keyboard --------------------------------------------------------

window.addEventListener('keydown', (e) => {
  const t = e.target;
  const inField = t instanceof Element && isTextEntry(t.tagName, t.getAttribute('type'), t.isContentEditable);
  const action = keyAction({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, inField });
  if (!action) return;
  if (action === 'focus-query') {
    const bar = document.querySelector('[data-query-bar]');
    if (bar) {
      e.preventDefault();
      bar.focus();
      bar.select();
    }
    return;
  }
  const ev = new CustomEvent(KEY_EVENT, { detail: action, cancelable: true });
  window.dispatchEvent(ev);
  if (ev.defaultPrevented) e.preventDefault();
});

// ---- routing ---------------------------------------------------------

const PROJECT_VIEWS = {
  logs: LogsView,
  live: LiveView,
  servers: ServersView,
  server: ServerView,
  incidents: IncidentsView,
  alerts: AlertsView,
  settings: SettingsView,
};

const PROJECT_TABS = [
  ['logs', 'Logs'],
  ['live', 'Live tail'],
  ['servers', 'Servers'],
  ['incidents', 'Incidents'],
  ['alerts', 'Alerts'],
  ['settings', 'Settings'],
];

/** A `next=` target that stays inside the app. */
function safeNext(search) {
  const next = new URLSearchParams(search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : null;
}

function Shell({ route, signedIn, children }) {
  const project = route.params.project;
  const section = route.name === 'server' ? 'servers' : route.name;
  return html`<${Fragmentless}>
    <a class="skip" href="#main">Skip to content</a>
    <header class="topbar">
      <${Link} class="brand" href=${signedIn ? '/projects' : '/login'}>Orion<//>
      ${signedIn &&
      html`<nav aria-label="Main" class="mainnav">
        <${Link} href="/projects" aria-current=${route.name === 'projects' ? 'page' : undefined}>Projects<//>
      </nav>`}
      ${signedIn &&
      project &&
      html`<nav aria-label="Project" class="projectnav">
        <span class="project-name" title="Project">${project}</span>
        ${PROJECT_TABS.map(
          ([name, label]) =>
            html`<${Link} href=${pathFor(name, { project })} aria-current=${section === name ? 'page' : undefined}>${label}<//>`,
        )}
      </nav>`}
      <span class="spacer"></span>
      <button type="button" class="quiet" onClick=${toggleTheme}>Toggle theme</button>
      ${signedIn &&
      html`<${Link} href="/account/2fa" class="quiet" aria-current=${route.name === 'twofa' ? 'page' : undefined}>Account security<//>
        <button type="button" class="quiet" onClick=${() => signOut('user')}>Sign out</button>`}
    </header>
    <main id="main" tabindex="-1">${children}</main>
  <//>`;
}

// htm returns an array for several roots; a tiny wrapper keeps Shell one node.
function Fragmentless({ children }) {
  return html`<div class="app">${children}</div>`;
}

function App() {
  const loc = useLocation();
  const [signedIn, setSignedIn] = useState(isSignedIn());
  const [notice, setNotice] = useState(null);
  const route = matchRoute(loc.pathname);
  const first = useRef(true);

  useEffect(
    () =>
      onAuthChange((now, reason) => {
        setSignedIn(now);
        if (!now) {
          const here = location.pathname + location.search;
          setNotice(reason === 'expired' ? 'Your session ended. Sign in again.' : 'You are signed out.');
          navigate(reason === 'expired' && !here.startsWith('/login') ? `/login?next=${encodeURIComponent(here)}` : '/login');
        } else {
          setNotice(null);
        }
      }),
    [],
  );

  // Redirects: signed-out users to /login, signed-in users away from it.
  let redirect = null;
  if (!signedIn && !PUBLIC_ROUTES.has(route.name) && route.name !== 'notFound') {
    const here = loc.pathname + loc.search;
    redirect = route.name === 'home' ? '/login' : `/login?next=${encodeURIComponent(here)}`;
  } else if (signedIn && (route.name === 'home' || PUBLIC_ROUTES.has(route.name))) {
    redirect = safeNext(loc.search) || '/projects';
  } else if (route.name === 'project') {
    redirect = pathFor('logs', route.params) + loc.search;
  }
  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  // After an in-app navigation, move focus to the new screen's heading.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    requestAnimationFrame(() => {
      const main = document.getElementById('main');
      if (!main || main.contains(document.activeElement)) return;
      const h1 = main.querySelector('h1');
      if (h1) {
        h1.setAttribute('tabindex', '-1');
        h1.focus({ preventScroll: true });
      }
    });
  }, [loc.pathname]);

  let view = null;
  if (!redirect) {
    const p = route.params;
    if (route.name === 'login') view = html`<${LoginView} notice=${notice} next=${safeNext(loc.search)} />`;
    else if (route.name === 'register') view = html`<${RegisterView} />`;
    else if (route.name === 'twofa') view = html`<${TwoFactorView} />`;
    else if (route.name === 'projects') view = html`<${ProjectsView} />`;
    else if (PROJECT_VIEWS[route.name]) {
      const View = PROJECT_VIEWS[route.name];
      view = html`<${View} key=${`${route.name}:${p.project}:${p.serverId || ''}`} project=${p.project} serverId=${p.serverId} />`;
    } else view = html`<${NotFoundView} signedIn=${signedIn} />`;
  }
  return html`<${Shell} route=${route} signedIn=${signedIn}>${view}<//>`;
}

render(html`<${App} />`, document.getElementById('app'));
