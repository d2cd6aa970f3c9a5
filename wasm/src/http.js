// The HTTP executor (runlog_http) in JavaScript: the core builds every W&B
// request (GraphQL, file_stream: the protocol is not reimplemented here) and
// this only moves bytes, with fetch() by default or with the page's own
// send(request) → Promise<response>, for example to a relay on the page's
// origin that holds the API key (see README.md, "API keys and CORS").

/**
 * @typedef {{method: string, url: string, headers: Record<string,string>,
 *            body: Uint8Array, timeoutMs: number}} HttpRequest
 * @typedef {{status: number, headers?: Record<string,string>|Headers|string,
 *            body?: Uint8Array|ArrayBuffer|string, error?: string}} HttpResponse
 */

/** send() over fetch: status 0 + error for no answer (refused, DNS, CORS, timeout). */
export async function fetchSend(request, fetchImpl = globalThis.fetch) {
  if (typeof fetchImpl !== 'function') return { status: 0, error: 'fetch is not available here: pass send()' };
  const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
  const timer = ctrl && request.timeoutMs ? setTimeout(() => ctrl.abort(), request.timeoutMs) : null;
  const onCancel = () => ctrl && ctrl.abort();
  if (request.signal) {
    if (request.signal.aborted) onCancel();
    else request.signal.addEventListener('abort', onCancel, { once: true });
  }
  try {
    const res = await fetchImpl(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body && request.body.length ? request.body : undefined,
      signal: ctrl ? ctrl.signal : undefined,
      credentials: 'omit', // the API key travels in Authorization, never cookies
      redirect: 'follow',
      cache: 'no-store',
    });
    const body = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body };
  } catch (e) {
    const aborted = e && e.name === 'AbortError';
    if (request.signal && request.signal.aborted) return { status: 0, error: 'cancelled: the run stopped waiting for the upload' };
    // A browser reports a CORS refusal as a bare TypeError: say what it may be.
    const hint = !aborted && typeof window === 'object' ? ' (offline, server down, or a cross-origin request the server refused: see CORS in the runlog README)' : '';
    return { status: 0, error: aborted ? `no answer within ${request.timeoutMs} ms` : `${e && e.message || e}${hint}` };
  } finally {
    if (timer) clearTimeout(timer);
    if (request.signal) request.signal.removeEventListener('abort', onCancel);
  }
}

/**
 * The executor object the core's runlog_http plug-in calls (through the
 * host). One request at a time per run (the core's rule); answers come back
 * through `complete`, and `onAnswer` wakes the run's pump.
 */
export class HttpExecutor {
  constructor({ send, fetch: fetchImpl } = {}) {
    this.send = send || ((req) => fetchSend(req, fetchImpl));
    this.inFlight = 0;
    this.closed = false;
    this.onAnswer = null;
    this.idle = [];
  }

  /**
   * The face one run (or one sync) gets as its runlog_http: cancel() (the
   * core's, when finish stops waiting) aborts that run's requests in flight
   * and refuses new ones, while the executor itself stays usable.
   */
  handle() {
    const ex = this;
    const controllers = new Set();
    const face = {
      cancelled: false,
      start(request, complete) {
        if (face.cancelled) throw Object.assign(new Error('cancelled: the run stopped waiting for the upload'), { status: -19 });
        const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
        if (ctrl) controllers.add(ctrl);
        ex.start({ ...request, signal: ctrl ? ctrl.signal : undefined }, (res) => {
          if (ctrl) controllers.delete(ctrl);
          complete(res);
        });
      },
      cancel() {
        face.cancelled = true;
        for (const c of controllers) c.abort();
      },
      onAnswer: () => ex.onAnswer && ex.onAnswer(),
      close() {},
    };
    return face;
  }

  start(request, complete) {
    this.inFlight++;
    Promise.resolve()
      .then(() => this.send(request))
      .then(
        (res) => res || { status: 0, error: 'send() returned nothing' },
        (e) => ({ status: 0, error: `send() failed: ${e && e.message || e}` }),
      )
      .then((res) => {
        this.inFlight--;
        complete(res);
        if (!this.inFlight) for (const r of this.idle.splice(0)) r();
      });
  }

  /** Resolves when no request is in flight. */
  settled() {
    return this.inFlight ? new Promise((r) => this.idle.push(r)) : Promise.resolve();
  }

  close() {
    this.closed = true;
  }
}
