// Prints the SHA-256 of every file in vendor/ (except manifest.json), and
// with --write updates the sha256 of the entries already in the manifest.
// Package and version of a new entry are added by hand (see README.md).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const vendor = join(dirname(fileURLToPath(import.meta.url)), '..', 'vendor');
const manifestPath = join(vendor, 'manifest.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
for (const name of readdirSync(vendor).sort()) {
  if (name === 'manifest.json') continue;
  const sha256 = createHash('sha256').update(readFileSync(join(vendor, name))).digest('hex');
  console.log(`${sha256}  ${name}`);
  const entry = manifest.files.find((f) => f.path === name);
  if (entry) entry.sha256 = sha256;
  else console.log(`  ^ not in manifest.json: add {package, version, path, sha256} for it`);
}
if (process.argv.includes('--write')) {
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  console.log('manifest.json updated');
}
