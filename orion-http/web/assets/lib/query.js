// The `q=` query language of the logs routes (shared/API.md, "Search"),
// tokenized on the client for highlighting, suggestions, chips and the
// facet / "filter for" buttons. Pure: no DOM. The server stays the judge:
// this tokenizer only mirrors its grammar so mistakes show while typing.
//
//   q      = ws? (term (ws term)*)? ws?
//   term   = "-"? (phrase | field | word)
//   phrase = '"' (char | '\"' | '\\')* '"'         message substring
//   field  = "level:" levels | "level>=" level
//          | ("source" | "tag" | "server") ":" value
//          | "meta." path op value                 op: = != > >= < <=
//   value  = phrase | bare                         bare: no space, no '"'
//   word   = bare                                  message substring
//
// Positions are 0-based string indexes (`start` inclusive, `end`
// exclusive); error messages name the 1-based character, like the server.

export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

const LEVEL_ALIASES = { warning: 'warn', err: 'error', critical: 'fatal', crit: 'fatal' };

/** The canonical level for `name` (any case, aliases accepted) or null. */
export function normalizeLevel(name) {
  const lower = String(name).toLowerCase();
  if (LEVELS.includes(lower)) return lower;
  return LEVEL_ALIASES[lower] || null;
}

/** Fields with a `name:` prefix (besides `meta.`). */
export const FIELDS = ['level', 'source', 'tag', 'server'];

const META_OPS = ['>=', '<=', '!=', '=', '>', '<'];

function isSpace(ch) {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

function at(pos) {
  return ` (at character ${pos + 1})`;
}

/** Reads a quoted string starting at `i` (on the quote). */
function readQuoted(q, i) {
  let value = '';
  let j = i + 1;
  while (j < q.length) {
    const ch = q[j];
    if (ch === '\\' && (q[j + 1] === '"' || q[j + 1] === '\\')) {
      value += q[j + 1];
      j += 2;
      continue;
    }
    if (ch === '"') return { value, end: j + 1, closed: true };
    value += ch;
    j += 1;
  }
  return { value, end: j, closed: false };
}

/** Reads a bare run (no whitespace, no quote) starting at `i`. */
function readBare(q, i) {
  let j = i;
  while (j < q.length && !isSpace(q[j]) && q[j] !== '"') j += 1;
  return { value: q.slice(i, j), end: j };
}

/** Reads a value (quoted or bare) at `i`; `{value, end, quoted, error}`. */
function readValue(q, i, what) {
  if (q[i] === '"') {
    const r = readQuoted(q, i);
    if (!r.closed) return { error: { start: i, end: r.end, message: `unterminated quote${at(i)}` }, end: r.end };
    if (r.value === '') return { error: { start: i, end: r.end, message: `empty value for ${what}${at(i)}` }, end: r.end };
    return { value: r.value, end: r.end, quoted: true };
  }
  const r = readBare(q, i);
  if (r.value === '') return { error: { start: i, end: Math.max(r.end, i), message: `expected a value for ${what}${at(i)}` }, end: r.end };
  return { value: r.value, end: r.end, quoted: false };
}

/** Skips to the end of the current (broken) term so parsing can go on. */
function skipTerm(q, i) {
  let j = i;
  let inQuote = false;
  while (j < q.length) {
    if (q[j] === '"') inQuote = !inQuote;
    else if (!inQuote && isSpace(q[j])) break;
    j += 1;
  }
  return j;
}

function parseLevels(raw, start, op) {
  const values = [];
  let offset = start;
  for (const part of raw.split(',')) {
    if (part === '') return { error: { start: offset, end: offset + 1, message: `empty level in \`${raw}\`${at(offset)}` } };
    const level = normalizeLevel(part);
    if (!level) {
      return {
        error: {
          start: offset,
          end: offset + part.length,
          message: `unknown level \`${part}\`; known levels: ${LEVELS.join(', ')}${at(offset)}`,
        },
      };
    }
    values.push(level);
    offset += part.length + 1;
  }
  if (op === '>=' && values.length > 1) {
    return { error: { start, end: start + raw.length, message: `level>= takes one level${at(start)}` } };
  }
  return { values };
}

/**
 * Tokenizes a query string.
 * @returns {{terms: Array<object>, errors: Array<{start:number,end:number,message:string}>}}
 * Each term: `{kind, negated, field, op, value, values?, quoted, start, end, raw}`
 * with kind one of `text level source tag server meta`.
 */
export function tokenize(input) {
  const q = String(input ?? '');
  const terms = [];
  const errors = [];
  let i = 0;
  while (i < q.length) {
    if (isSpace(q[i])) {
      i += 1;
      continue;
    }
    const start = i;
    let negated = false;
    if (q[i] === '-') {
      negated = true;
      i += 1;
      if (i >= q.length || isSpace(q[i])) {
        errors.push({ start, end: i, message: `\`-\` must be followed by a term${at(start)}` });
        continue;
      }
    }
    const bodyStart = i;
    const push = (t) => terms.push({ negated, quoted: false, ...t, start, end: i, raw: q.slice(start, i) });
    const fail = (err) => {
      errors.push(err);
      i = skipTerm(q, Math.max(i, bodyStart));
    };

    if (q[i] === '"') {
      const r = readQuoted(q, i);
      if (!r.closed) {
        errors.push({ start: i, end: r.end, message: `unterminated quote${at(i)}` });
        i = r.end;
        continue;
      }
      i = r.end;
      if (r.value === '') {
        errors.push({ start, end: i, message: `empty phrase${at(bodyStart)}` });
        continue;
      }
      if (i < q.length && !isSpace(q[i])) {
        fail({ start: i, end: i + 1, message: `expected a space after the closing quote${at(i)}` });
        continue;
      }
      push({ kind: 'text', field: null, op: null, value: r.value, quoted: true });
      continue;
    }

    const rest = q.slice(i);
    const fieldMatch = /^(level|source|tag|server)(:|>=)/i.exec(rest);
    if (fieldMatch) {
      const field = fieldMatch[1].toLowerCase();
      const op = fieldMatch[2];
      if (op === '>=' && field !== 'level') {
        // e.g. `tag>=x`: not a field term, a plain word.
      } else {
        const valueStart = i + fieldMatch[0].length;
        const v = readValue(q, valueStart, `\`${field}${op}\``);
        if (v.error) {
          fail(v.error);
          continue;
        }
        i = v.end;
        if (i < q.length && !isSpace(q[i])) {
          fail({ start: i, end: i + 1, message: `unexpected \`${q[i]}\` in \`${field}${op}\`${at(i)}` });
          continue;
        }
        if (field === 'level') {
          const lv = parseLevels(v.value, v.quoted ? valueStart + 1 : valueStart, op);
          if (lv.error) {
            errors.push(lv.error);
            continue;
          }
          push({ kind: 'level', field, op, value: lv.values.join(','), values: lv.values, quoted: v.quoted });
        } else {
          push({ kind: field, field, op, value: v.value, quoted: v.quoted });
        }
        continue;
      }
    }

    if (/^meta\./i.test(rest)) {
      const pathStart = i + 5;
      let j = pathStart;
      while (j < q.length && !isSpace(q[j]) && !'=!<>"'.includes(q[j])) j += 1;
      const path = q.slice(pathStart, j);
      if (path === '' || path.startsWith('.') || path.endsWith('.') || path.includes('..')) {
        fail({ start: pathStart, end: Math.max(j, pathStart + 1), message: `expected a metadata key after \`meta.\`${at(pathStart)}` });
        continue;
      }
      const op = META_OPS.find((o) => q.startsWith(o, j));
      if (!op) {
        const found = j < q.length && !isSpace(q[j]) ? `\`${q[j]}\`` : 'the end of the term';
        fail({ start: j, end: j + 1, message: `expected an operator (=, !=, >, >=, <, <=) after \`meta.${path}\` but found ${found}${at(j)}` });
        continue;
      }
      const valueStart = j + op.length;
      const v = readValue(q, valueStart, `\`meta.${path}${op}\``);
      if (v.error) {
        i = j;
        fail(v.error);
        continue;
      }
      i = v.end;
      if (i < q.length && !isSpace(q[i])) {
        fail({ start: i, end: i + 1, message: `unexpected \`${q[i]}\` in \`meta.${path}${op}\`${at(i)}` });
        continue;
      }
      push({ kind: 'meta', field: `meta.${path}`, key: path, op, value: v.value, quoted: v.quoted });
      continue;
    }

    const w = readBare(q, i);
    i = w.end;
    if (q[i] === '"') {
      fail({ start: i, end: i + 1, message: `unexpected quote inside \`${w.value}\`${at(i)}` });
      continue;
    }
    push({ kind: 'text', field: null, op: null, value: w.value });
  }
  return { terms, errors };
}

/** Quotes `value` when it would not read back as one bare value. */
export function quoteValue(value, { asText = false } = {}) {
  const s = String(value);
  const needsQuotes =
    s === '' ||
    /[\s"\\]/.test(s) ||
    (asText && (s.startsWith('-') || /^(level|source|tag|server)(:|>=)/i.test(s) || /^meta\./i.test(s)));
  if (!needsQuotes) return s;
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The text of one term object (the inverse of tokenizing it). */
export function formatTerm(term) {
  const neg = term.negated ? '-' : '';
  if (term.kind === 'text') return neg + quoteValue(term.value, { asText: true });
  if (term.kind === 'level') {
    const values = term.values || String(term.value).split(',');
    return `${neg}level${term.op || ':'}${values.join(',')}`;
  }
  if (term.kind === 'meta') return `${neg}${term.field}${term.op || '='}${quoteValue(term.value)}`;
  return `${neg}${term.kind}:${quoteValue(term.value)}`;
}

/** A key identifying what a term constrains, ignoring its negation. */
function termKey(term) {
  if (term.kind === 'text') return `text\u0000${term.value.toLowerCase()}`;
  const values = term.kind === 'level' ? (term.values || []).join(',') : term.value;
  return `${term.field}\u0000${term.op}\u0000${values}`;
}

/** True when `q` holds `termText` (same negation). */
export function hasTerm(q, termText) {
  const wanted = tokenize(termText).terms[0];
  if (!wanted) return false;
  return tokenize(q).terms.some((t) => termKey(t) === termKey(wanted) && t.negated === wanted.negated);
}

/** Removes the term at index `n` of `tokenize(q).terms`. */
export function removeTermAt(q, n) {
  const { terms } = tokenize(q);
  const t = terms[n];
  if (!t) return q;
  return tidy(q.slice(0, t.start) + ' ' + q.slice(t.end));
}

function tidy(q) {
  return q.replace(/\s+/g, ' ').trim();
}

/**
 * Adds `termText` to `q`, first removing any term constraining the same
 * thing (so "filter out" replaces an earlier "filter for" of the value).
 */
export function addTerm(q, termText) {
  const wanted = tokenize(termText).terms[0];
  if (!wanted) return tidy(q);
  const { terms } = tokenize(q);
  let out = q;
  for (let n = terms.length - 1; n >= 0; n -= 1) {
    if (termKey(terms[n]) === termKey(wanted)) out = out.slice(0, terms[n].start) + ' ' + out.slice(terms[n].end);
  }
  return tidy(`${out} ${formatTerm(wanted)}`);
}

/** The term text that filters a metadata field, or null if not expressible. */
export function metaTerm(path, value, negate = false) {
  const segments = Array.isArray(path) ? path : String(path).split('.');
  if (segments.length === 0 || segments.some((s) => !/^[^\s=!<>".]+$/.test(String(s)))) return null;
  if (value !== null && typeof value === 'object') return null;
  const text = value === null ? 'null' : String(value);
  return formatTerm({ kind: 'meta', field: `meta.${segments.join('.')}`, op: '=', value: text, negated: negate });
}

/** The term text for a facet value (`level`, `source`, `tags`, `serverId`, `meta.x`). */
export function facetTerm(field, value, negate = false) {
  const v = String(value);
  if (field === 'level') return formatTerm({ kind: 'level', op: ':', values: [v], negated: negate });
  if (field === 'source') return formatTerm({ kind: 'source', value: v, negated: negate });
  if (field === 'tags' || field === 'tag') return formatTerm({ kind: 'tag', value: v, negated: negate });
  if (field === 'serverId' || field === 'server') return formatTerm({ kind: 'server', value: v, negated: negate });
  if (field.startsWith('meta.')) return metaTerm(field.slice(5), v, negate);
  return null;
}

/** Levels selected by the non-negated `level:` terms of `q`. */
export function selectedLevels(q) {
  const out = new Set();
  for (const t of tokenize(q).terms) {
    if (t.kind === 'level' && !t.negated && t.op === ':') t.values.forEach((l) => out.add(l));
  }
  return [...out];
}

/** Toggles `level` in the first `level:` term of `q` (creating or removing it). */
export function toggleLevel(q, level) {
  const lv = normalizeLevel(level);
  if (!lv) return q;
  const { terms } = tokenize(q);
  const t = terms.find((x) => x.kind === 'level' && !x.negated && x.op === ':');
  if (!t) return tidy(`${q} level:${lv}`);
  const values = t.values.includes(lv) ? t.values.filter((v) => v !== lv) : [...t.values, lv];
  values.sort((a, b) => LEVELS.indexOf(a) - LEVELS.indexOf(b));
  const replacement = values.length ? formatTerm({ kind: 'level', op: ':', values }) : '';
  return tidy(q.slice(0, t.start) + ' ' + replacement + ' ' + q.slice(t.end));
}

/**
 * Completions for the word under `cursor`.
 * `known` may give `{sources, tags, servers, metaKeys}` arrays of strings.
 * @returns {Array<{label:string, text:string, start:number, end:number}>}
 *   replacing `q.slice(start, end)` with `text` applies one.
 */
export function suggest(q, cursor = q.length, known = {}) {
  let start = cursor;
  while (start > 0 && !isSpace(q[start - 1])) start -= 1;
  let end = cursor;
  while (end < q.length && !isSpace(q[end])) end += 1;
  const word = q.slice(start, cursor);
  const neg = word.startsWith('-') ? '-' : '';
  const body = neg ? word.slice(1) : word;
  const from = (list, prefix, make) =>
    (list || [])
      .filter((v) => String(v).toLowerCase().startsWith(prefix.toLowerCase()) && String(v) !== prefix)
      .slice(0, 10)
      .map(make);

  const lvl = /^level(:|>=)(.*)$/i.exec(body);
  if (lvl) {
    const op = lvl[1];
    const parts = lvl[2].split(',');
    const last = parts.pop();
    const head = parts.length ? parts.join(',') + ',' : '';
    const used = new Set(parts.map(normalizeLevel));
    return LEVELS.filter((l) => l.startsWith(last.toLowerCase()) && l !== last && !used.has(l)).map((l) => ({
      label: `level${op}${head}${l}`,
      text: `${neg}level${op}${head}${l}`,
      start,
      end,
    }));
  }
  const fieldValue = /^(source|tag|server):(.*)$/i.exec(body);
  if (fieldValue) {
    const field = fieldValue[1].toLowerCase();
    const list = { source: known.sources, tag: known.tags, server: known.servers }[field];
    return from(list, fieldValue[2], (v) => ({
      label: `${field}:${v}`,
      text: `${neg}${field}:${quoteValue(v)}`,
      start,
      end,
    }));
  }
  const meta = /^meta\.([^=!<>"]*)$/i.exec(body);
  if (meta) {
    return from(known.metaKeys, meta[1], (k) => ({ label: `meta.${k}`, text: `${neg}meta.${k}=`, start, end }));
  }
  if (body === '' && word === '') return [];
  const fields = [...FIELDS.map((f) => `${f}:`), 'level>=', 'meta.'];
  return fields
    .filter((f) => f.startsWith(body.toLowerCase()) && body.length > 0 && f !== body)
    .map((f) => ({ label: f, text: neg + f, start, end }));
}

/** Applies one suggestion: `{q, cursor}`. */
export function applySuggestion(q, s) {
  const next = q.slice(0, s.start) + s.text + q.slice(s.end);
  return { q: next, cursor: s.start + s.text.length };
}
