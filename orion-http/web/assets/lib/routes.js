// Paths of the dashboard ⇄ route names and parameters. Pure.

const ROUTES = [
  ['home', '/'],
  ['login', '/login'],
  ['register', '/register'],
  ['twofa', '/account/2fa'],
  ['projects', '/projects'],
  ['project', '/p/:project'],
  ['logs', '/p/:project/logs'],
  ['live', '/p/:project/live'],
  ['servers', '/p/:project/servers'],
  ['server', '/p/:project/servers/:serverId'],
  ['incidents', '/p/:project/incidents'],
  ['alerts', '/p/:project/alerts'],
  ['settings', '/p/:project/settings'],
];

/** Routes reachable without signing in. */
export const PUBLIC_ROUTES = new Set(['login', 'register']);

/** `{name, params}` of a pathname, or `{name: 'notFound', params: {}}`. */
export function matchRoute(pathname) {
  const path = String(pathname || '/').replace(/\/+$/, '') || '/';
  const parts = path.split('/').slice(1);
  for (const [name, pattern] of ROUTES) {
    const pp = pattern.split('/').slice(1);
    if (pattern === '/' ? path !== '/' : pp.length !== parts.length) continue;
    if (pattern === '/') return { name, params: {} };
    const params = {};
    let ok = true;
    for (let i = 0; i < pp.length; i += 1) {
      if (pp[i].startsWith(':')) {
        let v;
        try {
          v = decodeURIComponent(parts[i]);
        } catch {
          ok = false;
          break;
        }
        if (v === '') {
          ok = false;
          break;
        }
        params[pp[i].slice(1)] = v;
      } else if (pp[i] !== parts[i]) {
        ok = false;
        break;
      }
    }
    if (ok) return { name, params };
  }
  return { name: 'notFound', params: {} };
}

/** The path of a route (`pathFor('server', {project: 'shop', serverId: 'web-1'})`). */
export function pathFor(name, params = {}) {
  const found = ROUTES.find(([n]) => n === name);
  if (!found) throw new Error(`unknown route ${name}`);
  return found[1].replace(/:([a-zA-Z]+)/g, (_, key) => {
    if (params[key] === undefined || params[key] === null || params[key] === '') throw new Error(`route ${name} needs ${key}`);
    return encodeURIComponent(String(params[key]));
  });
}
