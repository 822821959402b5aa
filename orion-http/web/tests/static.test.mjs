// Static checks of the served files against the dashboard's rules: strict
// CSP (no inline script / style / handlers, no third-party origin), no
// HTML sinks for data, the JWT never in a URL, and every import resolving
// to a file under the URL → file mapping (`/assets/vendor/x` → vendor/x,
// `/assets/x` → assets/x).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSETS = join(WEB, 'assets');

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const appFiles = walk(ASSETS).filter((p) => p.endsWith('.js'));
const cssFiles = walk(ASSETS).filter((p) => p.endsWith('.css'));

/** The file a URL path of the dashboard is served from. */
function fileOf(urlPath) {
  if (urlPath.startsWith('/assets/vendor/')) return join(WEB, 'vendor', urlPath.slice('/assets/vendor/'.length));
  if (urlPath.startsWith('/assets/')) return join(ASSETS, urlPath.slice('/assets/'.length));
  return null;
}

test('index.html is CSP-clean and its assets exist', () => {
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /<style/i, 'no <style> element');
  assert.doesNotMatch(html, /\sstyle\s*=/i, 'no style= attribute');
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handler');
  assert.doesNotMatch(html, /https?:\/\//i, 'no third-party origin');
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
  assert.equal(scripts.length, 1, 'one script');
  assert.match(scripts[0][1], /type="module"/);
  assert.match(scripts[0][1], /src="\/assets\/app\.js"/);
  assert.equal(scripts[0][2].trim(), '', 'no inline script');
  const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(refs.length >= 5);
  for (const r of refs) {
    const f = fileOf(r);
    assert.ok(f && existsSync(f), `${r} is served from an existing file`);
  }
});

test('no HTML sinks, eval or string timers in the app code', () => {
  for (const f of appFiles) {
    const src = readFileSync(f, 'utf8');
    const name = relative(WEB, f);
    assert.doesNotMatch(src, /\.innerHTML|\.outerHTML|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write/, `${name}: HTML sink`);
    assert.doesNotMatch(src, /\beval\s*\(|new Function\s*\(|setTimeout\(\s*['"`]|setInterval\(\s*['"`]/, `${name}: eval`);
    assert.doesNotMatch(src, /setAttribute\(\s*['"]style['"]/, `${name}: style attribute (CSP)`);
    assert.doesNotMatch(src, /https?:\/\/[a-z0-9]/i, `${name}: third-party origin`);
  }
});

test('styles are CSS files without remote imports', () => {
  for (const f of cssFiles) {
    const src = readFileSync(f, 'utf8');
    assert.doesNotMatch(src, /@import|url\(\s*['"]?https?:/i, relative(WEB, f));
  }
});

test('the JWT never goes into a URL', () => {
  for (const f of appFiles) {
    const src = readFileSync(f, 'utf8');
    assert.doesNotMatch(src, /[?&](token|jwt|access_token)=/i, relative(WEB, f));
  }
  const api = readFileSync(join(ASSETS, 'api.js'), 'utf8');
  assert.match(api, /Authorization/);
  assert.match(api, /\/auth\/ws-ticket/);
});

/** The URL path a file under assets/ is served at. */
function urlOf(file) {
  return '/assets/' + relative(ASSETS, file).split('\\').join('/');
}

test('every import is relative and resolves to a file', () => {
  // Relative imports keep a page's modules under one versioned prefix
  // (/assets/v/<version>/…, see orion-http/src/dashboard.rs): an absolute
  // /assets/… import would load a second, unversioned copy (two Preacts).
  for (const f of appFiles) {
    const src = readFileSync(f, 'utf8');
    const specs = [
      ...src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm),
      ...src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g), // dynamic: uPlot, when a chart mounts
    ];
    for (const m of specs) {
      const spec = m[1];
      assert.match(spec, /^\.\.?\//, `${relative(WEB, f)} imports ${spec}: use a relative URL`);
      const url = new URL(spec, `http://orion.invalid${urlOf(f)}`).pathname;
      const target = fileOf(url);
      assert.ok(target && existsSync(target), `${relative(WEB, f)} imports ${spec} (${url})`);
    }
  }
});

test('the versioned prefix maps to the same files', () => {
  // What the server does for /assets/v/<version>/<path>: strip the prefix.
  const unversion = (u) => u.replace(/^\/assets\/v\/[^/]+\//, '/assets/');
  const app = '/assets/v/0123456789ab/components/ui.js';
  const spec = '../vendor/htm-preact-standalone.js';
  const url = new URL(spec, `http://orion.invalid${app}`).pathname;
  assert.equal(url, '/assets/v/0123456789ab/vendor/htm-preact-standalone.js');
  assert.ok(existsSync(fileOf(unversion(url))));
});

test('pure modules in lib/ touch no DOM and import only lib/', () => {
  for (const f of appFiles.filter((p) => p.includes(`${join('assets', 'lib')}`))) {
    const src = readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    const name = relative(WEB, f);
    assert.doesNotMatch(src, /\b(document|window|localStorage|sessionStorage|fetch)\b/, `${name} uses the DOM`);
    for (const m of src.matchAll(/from\s+['"]([^'"]+)['"]/g)) assert.match(m[1], /^\.\/[a-z]+\.js$/, `${name} imports ${m[1]}`);
  }
});

/** Every module URL the app loads, from app.js through its imports (depth first, dependencies first). */
function moduleGraph() {
  const seen = new Set();
  const order = [];
  const visit = (url) => {
    if (seen.has(url)) return;
    seen.add(url);
    const src = readFileSync(fileOf(url), 'utf8');
    for (const m of src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      visit(new URL(m[1], `http://orion.invalid${url}`).pathname);
    }
    order.push(url);
  };
  visit('/assets/app.js');
  return order;
}

test('index.html preloads every module of the app', () => {
  // Without it the browser discovers the modules one import level at a
  // time (app.js, then the views, then components and lib/): four round
  // trips before the first screen. Preloaded, they all load at once.
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  const preloaded = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]);
  const graph = moduleGraph().filter((u) => u !== '/assets/app.js');
  assert.deepEqual([...preloaded].sort(), [...graph].sort(), 'modulepreload links = the modules app.js imports, directly or not');
  assert.equal(new Set(preloaded).size, preloaded.length, 'each once');
});
