// View state ⇄ query string. Each view declares a schema
// `{key: {type: 'string'|'int'|'bool'|'list', default}}`; values equal to
// their default are left out of the URL so links stay short, and keys are
// written in schema order so the same state always gives the same URL.
// Pure: works on strings, never on `location`.

function decodeValue(type, raw, fallback) {
  switch (type) {
    case 'int': {
      if (!/^-?\d+$/.test(raw)) return fallback;
      const n = Number(raw);
      return Number.isSafeInteger(n) ? n : fallback;
    }
    case 'bool':
      if (raw === '1' || raw === 'true') return true;
      if (raw === '0' || raw === 'false') return false;
      return fallback;
    case 'list':
      return raw === '' ? [] : raw.split(',');
    default:
      return raw;
  }
}

function encodeValue(type, value) {
  switch (type) {
    case 'bool':
      return value ? '1' : '0';
    case 'list':
      return value.join(',');
    default:
      return String(value);
  }
}

function sameValue(type, a, b) {
  if (type === 'list') {
    const x = a || [];
    const y = b || [];
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  return a === b;
}

function defaultOf(spec) {
  if (spec.default !== undefined) return Array.isArray(spec.default) ? [...spec.default] : spec.default;
  return { int: null, bool: false, list: [], string: '' }[spec.type || 'string'];
}

/** The state a query string (`"?a=1"` or `"a=1"`) describes. */
export function decodeState(search, schema) {
  const params = new URLSearchParams(String(search || '').replace(/^\?/, ''));
  const state = {};
  for (const [key, spec] of Object.entries(schema)) {
    const fallback = defaultOf(spec);
    const raw = params.get(key);
    state[key] = raw === null ? fallback : decodeValue(spec.type || 'string', raw, fallback);
  }
  return state;
}

/** The query string (without `?`) of a state; defaults and nulls are left out. */
export function encodeState(state, schema) {
  const params = new URLSearchParams();
  for (const [key, spec] of Object.entries(schema)) {
    const type = spec.type || 'string';
    const value = state[key];
    if (value === undefined || value === null) continue;
    if (sameValue(type, value, defaultOf(spec))) continue;
    if (type === 'string' && value === '' ) continue;
    params.set(key, encodeValue(type, value));
  }
  return params.toString();
}

/** `search` with `patch` applied (keys of the patch set to `undefined` reset). */
export function patchSearch(search, patch, schema) {
  const state = decodeState(search, schema);
  for (const [key, value] of Object.entries(patch)) {
    state[key] = value === undefined ? defaultOf(schema[key] || {}) : value;
  }
  return encodeState(state, schema);
}

/** A URL query string from plain params, skipping empty values (`?` included when non-empty). */
export function toQueryString(params) {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((v) => out.append(key, String(v)));
    else out.set(key, String(value));
  }
  const s = out.toString();
  return s ? `?${s}` : '';
}
