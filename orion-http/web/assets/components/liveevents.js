// A project's live events other than log lines (`heartbeat`, `incident`)
// over the ticketed WebSocket, for screens that refresh themselves. The
// socket's log filter matches no entry (`level:info -level:info`), so the
// project's log traffic is not sent to it; the filters do not apply to
// these events (docs/api.md, "Live events").

import { useEffect, useRef } from '../vendor/htm-preact-standalone.js';
import { liveSocketUrl } from '../api.js';

export const NO_LOGS = 'level:info -level:info';
const BACKOFF_S = [1, 2, 5, 10, 30];

/** Calls `onEvent(message)` for each live event of `project` whose type is in `types`, while mounted. */
export function useLiveEvents(project, types, onEvent) {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const wanted = types.join(',');
  useEffect(() => {
    let closed = false;
    let ws = null;
    let timer = null;
    let retry = 0;
    const again = () => {
      const delay = BACKOFF_S[Math.min(retry, BACKOFF_S.length - 1)];
      retry += 1;
      timer = setTimeout(connect, delay * 1000);
    };
    async function connect() {
      let url;
      try {
        url = await liveSocketUrl({ project, q: NO_LOGS });
      } catch (error) {
        if (!closed && error.status !== 401) again();
        return;
      }
      if (closed) return;
      ws = new WebSocket(url);
      ws.onopen = () => {
        retry = 0;
      };
      ws.onmessage = (ev) => {
        let m;
        try {
          m = JSON.parse(ev.data);
        } catch {
          return;
        }
        if (m && wanted.split(',').includes(m.type)) handler.current(m);
      };
      ws.onclose = () => {
        if (!closed) again();
      };
    }
    connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      if (ws) ws.close(1000);
    };
  }, [project, wanted]);
}
