import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const vendor = join(dirname(fileURLToPath(import.meta.url)), '..', 'vendor');
const manifest = JSON.parse(readFileSync(join(vendor, 'manifest.json'), 'utf8'));

function sha256(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

test('every manifest entry names a package, a version, a path and a hash', () => {
  assert.ok(Array.isArray(manifest.files) && manifest.files.length > 0);
  const seen = new Set();
  for (const f of manifest.files) {
    assert.match(f.package, /^[a-z0-9@/._-]+$/, `package of ${f.path}`);
    assert.match(f.version, /^\d+\.\d+\.\d+/, `version of ${f.path}`);
    assert.match(f.sha256, /^[0-9a-f]{64}$/, `sha256 of ${f.path}`);
    assert.ok(!f.path.includes('/') && !f.path.includes('..'), `flat path ${f.path}`);
    assert.ok(!seen.has(f.path), `duplicate entry ${f.path}`);
    seen.add(f.path);
  }
});

test('every vendored file matches its manifest sha256', () => {
  for (const f of manifest.files) {
    assert.equal(sha256(join(vendor, f.path)), f.sha256, `${f.path} was changed: re-vendor it and update manifest.json`);
  }
});

test('no file in vendor/ is missing from the manifest', () => {
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const name of readdirSync(vendor)) {
    if (name === 'manifest.json') continue;
    assert.ok(statSync(join(vendor, name)).isFile(), `${name} is not a plain file`);
    assert.ok(listed.has(name), `${name} is in vendor/ but not in manifest.json`);
  }
});

test('each vendored package ships its licence', () => {
  const packages = new Set(manifest.files.map((f) => f.package));
  for (const p of packages) {
    assert.ok(
      manifest.files.some((f) => f.package === p && /^LICENSE/.test(f.path)),
      `no LICENSE file for ${p}`,
    );
  }
});
