// The time-range picker: relative presets (15m 1h 24h 7d) and an absolute
// from / to in local time.

import { html, useState, useEffect } from '../vendor/htm-preact-standalone.js';
import { PRESETS, presetRange, matchPreset, describeRange, resolveRange, toLocalInput, fromLocalInput, absoluteRange } from '../lib/timerange.js';
import { useId } from './hooks.js';

const offsetAt = (ms) => new Date(ms).getTimezoneOffset();

/** @param {{range: {from: string, to: string}, onChange: (r) => void, presets?: string[]}} props */
export function TimeRangePicker({ range, onChange, presets = PRESETS }) {
  const id = useId('range');
  const current = matchPreset(range, presets);
  const now = Date.now();
  const resolved = resolveRange(range, now);
  const initial = () => ({
    from: resolved.error ? '' : toLocalInput(resolved.fromMs, offsetAt(resolved.fromMs)),
    to: resolved.error ? '' : toLocalInput(resolved.toMs, offsetAt(resolved.toMs)),
  });
  const [draft, setDraft] = useState(initial);
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    setDraft(initial());
    setProblem(null);
  }, [range.from, range.to]);

  const apply = (e) => {
    e.preventDefault();
    const f = fromLocalInput(draft.from, offsetAt(Date.parse(draft.from) || now));
    const t = fromLocalInput(draft.to, offsetAt(Date.parse(draft.to) || now));
    if (f === null || t === null) {
      setProblem('Give both a start and an end.');
      return;
    }
    if (f >= t) {
      setProblem('The start must be before the end.');
      return;
    }
    setProblem(null);
    onChange(absoluteRange(f, t));
  };

  return html`<div class="timerange">
    <div class="presets" role="group" aria-label="Time range">
      ${presets.map(
        (p) => html`<button type="button" aria-pressed=${current === p ? 'true' : 'false'} onClick=${() => onChange(presetRange(p))}>${p}</button>`,
      )}
    </div>
    <form class="absolute" onSubmit=${apply}>
      <label for=${`${id}-from`}>From</label>
      <input id=${`${id}-from`} type="datetime-local" value=${draft.from} onInput=${(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
      <label for=${`${id}-to`}>To</label>
      <input id=${`${id}-to`} type="datetime-local" value=${draft.to} onInput=${(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
      <button type="submit">Apply range</button>
    </form>
    <span class="range-label">${describeRange(range)}</span>
    ${(problem || resolved.error) && html`<p role="alert" class="field-error">${problem || resolved.error}</p>`}
  </div>`;
}
