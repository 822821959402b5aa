// Live tail over the WebSocket (single-use ticket auth). Lines are batched
// into the view once per animation frame and capped at 5,000; scrolling up
// pauses the tail and a "N new lines" button resumes it; `lagged`
// messages from the server are shown, never hidden.
// API: POST /auth/ws-ticket, then GET /ws?ticket=&project=&q=.

import { html, useState, useEffect, useRef, useLayoutEffect } from '../vendor/htm-preact-standalone.js';
import { liveSocketUrl } from '../api.js';
import { useUrlState, useTitle, useKeyAction } from '../components/hooks.js';
import { Status } from '../components/ui.js';
import { QueryBar } from '../components/querybar.js';
import { VirtualList } from '../components/virtuallist.js';
import { logRow, LogHeader, LogDetails, ROW_HEIGHT } from '../components/logrows.js';
import { TailBuffer } from '../lib/tailbuffer.js';
import { isAtBottom } from '../lib/virtual.js';
import { addTerm, tokenize } from '../lib/query.js';
import { formatCount } from '../lib/format.js';

const SCHEMA = { q: { type: 'string', default: '' } };
const CAP = 5000;
const BACKOFF_S = [1, 2, 5, 10, 30];

export function LiveView({ project }) {
  useTitle(`Live tail · ${project}`);
  const [state, setState] = useUrlState(SCHEMA);
  const buffer = useRef(null);
  if (buffer.current === null) buffer.current = new TailBuffer({ cap: CAP });
  const buf = buffer.current;
  const [, setVersion] = useState(0);
  const [conn, setConn] = useState({ state: 'connecting' });
  const [lagged, setLagged] = useState(0);
  const [openSeq, setOpenSeq] = useState(null);
  const pauseReason = useRef(null);
  const scroller = useRef(null);
  const frame = useRef(0);
  const programmatic = useRef(false);

  const rerender = () => setVersion(buf.version);
  const schedule = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      if (buf.flush()) rerender();
    });
  };

  const queryOk = tokenize(state.q).errors.length === 0;

  useEffect(() => {
    buf.clear();
    setLagged(0);
    setOpenSeq(null);
    rerender();
    if (!queryOk) {
      setConn({ state: 'idle' });
      return undefined;
    }
    let ws = null;
    let closed = false;
    let retry = 0;
    let timer = null;
    const again = (info) => {
      const delay = BACKOFF_S[Math.min(retry, BACKOFF_S.length - 1)];
      retry += 1;
      setConn({ state: 'retrying', delay, ...info });
      timer = setTimeout(connect, delay * 1000);
    };
    async function connect() {
      setConn({ state: 'connecting' });
      let url;
      try {
        url = await liveSocketUrl({ project, q: state.q || undefined });
      } catch (error) {
        if (closed || error.status === 401) return;
        again({ error: error.message });
        return;
      }
      if (closed) return;
      ws = new WebSocket(url);
      ws.onopen = () => {
        retry = 0;
        setConn({ state: 'open' });
      };
      ws.onmessage = (ev) => {
        let m;
        try {
          m = JSON.parse(ev.data);
        } catch {
          return;
        }
        if (m.type === 'log' && m.log) {
          buf.enqueue(m.log);
          schedule();
        } else if (m.type === 'lagged') {
          setLagged(buf.noteLagged(m.dropped));
        } else if (m.type === 'error') {
          setConn((c) => ({ ...c, error: m.error }));
        }
      };
      ws.onclose = (ev) => {
        if (closed) return;
        again({ code: ev.code });
      };
    }
    connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      if (ws) ws.close(1000);
      cancelAnimationFrame(frame.current);
      frame.current = 0;
    };
  }, [project, state.q]);

  // Follow the newest line unless paused.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || buf.paused) return;
    const target = el.scrollHeight - el.clientHeight;
    if (Math.abs(el.scrollTop - target) > 1) {
      programmatic.current = true;
      el.scrollTop = target;
    }
  });

  const onScroll = (el) => {
    if (programmatic.current) {
      programmatic.current = false;
      return;
    }
    const atBottom = isAtBottom(el.scrollTop, el.clientHeight, el.scrollHeight, ROW_HEIGHT / 2);
    if (!atBottom && !buf.paused) {
      pauseReason.current = 'scroll';
      buf.pause();
      rerender();
    } else if (atBottom && buf.paused && pauseReason.current === 'scroll') {
      resume();
    }
  };

  const pause = () => {
    pauseReason.current = 'user';
    buf.pause();
    rerender();
  };
  const resume = () => {
    pauseReason.current = null;
    buf.resume();
    rerender();
  };
  useKeyAction('close', () => {
    if (openSeq === null) return false;
    setOpenSeq(null);
    return true;
  });

  const lines = buf.lines;
  const openIndex = openSeq === null ? -1 : lines.findIndex((l) => l.seq === openSeq);
  const connText = {
    idle: 'Fix the query to start the tail.',
    connecting: 'Connecting…',
    open: buf.paused ? `Paused. ${formatCount(buf.newCount)} new lines waiting.` : 'Live: following new lines.',
    retrying: `Disconnected${conn.error ? ` (${conn.error})` : ''}. Reconnecting in ${conn.delay} s…`,
  }[conn.state];

  return html`<div class="page live-page">
    <h1>Live tail</h1>
    <${QueryBar} value=${state.q} onSubmit=${(q) => setState({ q })} label="Filter live logs" />
    <div class="toolbar">
      <${Status} className=${`conn conn-${conn.state}`}>${connText}<//>
      <span class="spacer"></span>
      ${buf.paused
        ? html`<button type="button" onClick=${resume}>Resume</button>`
        : html`<button type="button" onClick=${pause}>Pause</button>`}
      <button type="button" onClick=${() => { buf.clear(); setLagged(0); rerender(); }}>Clear</button>
    </div>
    <div role="status" class=${lagged ? 'notice notice-warn' : 'visually-hidden'}>
      ${lagged ? `The server dropped ${formatCount(lagged)} lines because this tail could not keep up. Narrow the filter to see every line.` : ''}
    </div>
    ${conn.error && conn.state === 'open' && html`<p role="alert" class="field-error">${conn.error}</p>`}
    <div class="tail-wrap">
      <div role="grid" class="log-grid tail-grid" aria-label="Live log lines" aria-rowcount=${lines.length + 1}>
        <${LogHeader} />
        <${VirtualList}
          scrollerRef=${scroller}
          count=${lines.length}
          rowHeight=${ROW_HEIGHT}
          className="log-scroller"
          label="Lines"
          onScroll=${onScroll}
          expandedIndex=${openIndex}
          renderRow=${(i) => {
            const l = lines[i];
            return logRow({
              key: l.seq,
              log: l.item,
              index: i,
              expanded: i === openIndex,
              onClick: () => {
                setOpenSeq(openSeq === l.seq ? null : l.seq);
                if (!buf.paused) pause();
              },
            });
          }}
          renderDetails=${(i) =>
            html`<${LogDetails}
              log=${lines[i].item}
              onFilter=${(term) => setState({ q: addTerm(state.q, term) })}
              onClose=${() => setOpenSeq(null)}
            />`}
        />
      </div>
      ${buf.paused && buf.newCount > 0 && html`<button type="button" class="new-lines" onClick=${resume}>${formatCount(buf.newCount)} new lines</button>`}
      ${lines.length === 0 && conn.state === 'open' && html`<p class="empty">Waiting for new lines…</p>`}
    </div>
    <p class="hint">Keeps the newest ${formatCount(CAP)} lines. Scroll up to pause; scroll back down or press the new-lines button to follow again.</p>
  </div>`;
}
