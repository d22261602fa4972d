// The use channel (docs/api.md, "The use channel"): one WebSocket to a key server that carries unit releases and
// evaluations as messages, because in a browser every fetch pays the browser's own process hops (about 3 ms a request
// on the machines of docs/performance.md) and a message on an open socket does not. Each message is the request it
// stands for — path, Authorization, the same DPoP proof (htu the http(s) URL), body — and its answer is the response
// the server would have sent, handed back as a `Response`, so everything above this file is unchanged. Where there is
// no WebSocket (Node 20) or the server has no channel, requests go by fetch.

/** The channel's route; a WebSocket, so the OpenAPI document does not list it. */
export const ChannelPath = '/v1/channel';

/** A channel unused this long is closed (the server closes idle ones after 60 s); the next use reconnects. */
const idleCloseMs = 20_000;

/** How long to wait for the socket to open before sending by fetch instead. */
const connectTimeoutMs = 5_000;

/** After a channel could not be opened, requests go by fetch for this long before the channel is tried again. */
const retryAfterFailureMs = 60_000;

interface Pending {
  resolve(response: Response): void;
  reject(error: unknown): void;
}

/** One key server's use channel: a `fetch` for the requests it carries. */
export class UseChannel {
  private socket: WebSocket | undefined;
  private opening: Promise<WebSocket | undefined> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private unavailableUntil = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly server: URL,
    private readonly fallback: typeof fetch,
    private readonly webSocket: typeof WebSocket | undefined = globalThis.WebSocket,
  ) {}

  /** Sends a POST the channel carries; by `fallback` when no channel can be had. */
  async fetch(url: URL, init: RequestInit & { headers: Headers; body: string | null }): Promise<Response> {
    const socket = await this.connect();
    if (socket === undefined) {
      return this.fallback(url, init);
    }
    const id = this.nextId++;
    const message = JSON.stringify({
      id,
      method: init.method,
      path: url.pathname,
      authorization: init.headers.get('Authorization'),
      dpop: init.headers.get('DPoP'),
      body: init.body === null ? null : JSON.parse(init.body) as unknown,
    });
    return new Promise<Response>((resolve, reject) => {
      const signal = init.signal ?? undefined;
      const abort = (): void => {
        this.pending.delete(id);
        reject(signal?.reason);
      };
      if (signal?.aborted === true) {
        abort();
        return;
      }
      signal?.addEventListener('abort', abort, { once: true });
      this.pending.set(id, {
        resolve: (response) => { signal?.removeEventListener('abort', abort); resolve(response); },
        reject: (error) => { signal?.removeEventListener('abort', abort); reject(error); },
      });
      this.disarmIdle();
      socket.send(message);
    });
  }

  /** Closes the socket (requests still waiting fail as a lost connection does). */
  close(): void {
    this.disarmIdle();
    this.socket?.close(1000, 'closed by the client');
    this.dropSocket();
  }

  private connect(): Promise<WebSocket | undefined> {
    if (this.socket !== undefined && this.socket.readyState === 1) {
      return Promise.resolve(this.socket);
    }
    if (this.webSocket === undefined || Date.now() < this.unavailableUntil) {
      return Promise.resolve(undefined);
    }
    this.opening ??= this.open(this.webSocket).finally(() => { this.opening = undefined; });
    return this.opening;
  }

  private open(WebSocketImpl: typeof WebSocket): Promise<WebSocket | undefined> {
    const url = new URL(ChannelPath, this.server);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return new Promise((resolve) => {
      let socket: WebSocket;
      try {
        socket = new WebSocketImpl(url);
      } catch {
        this.unavailableUntil = Date.now() + retryAfterFailureMs;
        resolve(undefined);
        return;
      }
      const timer = setTimeout(() => fail(), connectTimeoutMs);
      const fail = (): void => {
        clearTimeout(timer);
        this.unavailableUntil = Date.now() + retryAfterFailureMs;
        socket.close();
        resolve(undefined);
      };
      socket.addEventListener('error', fail, { once: true });
      socket.addEventListener('open', () => {
        clearTimeout(timer);
        socket.removeEventListener('error', fail);
        this.attach(socket);
        resolve(socket);
      }, { once: true });
    });
  }

  private attach(socket: WebSocket): void {
    this.socket = socket;
    socket.addEventListener('message', (event: MessageEvent) => this.answer(event.data));
    socket.addEventListener('close', () => {
      if (this.socket === socket) {
        this.dropSocket();
      }
    });
    this.armIdle();
  }

  /** An answer: the response its request would have had. One that fits no request is ignored. */
  private answer(data: unknown): void {
    let message: { id?: unknown; status?: unknown; retryAfter?: unknown; body?: unknown };
    try {
      message = JSON.parse(String(data)) as typeof message;
    } catch {
      return;
    }
    const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (pending === undefined) {
      return;
    }
    this.pending.delete(message.id as number);
    if (this.pending.size === 0) {
      this.armIdle();
    }
    if (typeof message.status !== 'number' || message.status < 200 || message.status > 599) {
      pending.reject(new TypeError('The use channel sent an answer without a status.'));
      return;
    }
    const headers = new Headers({ 'Content-Type': message.status >= 400 ? 'application/problem+json' : 'application/json' });
    if (typeof message.retryAfter === 'string') {
      headers.set('Retry-After', message.retryAfter);
    }
    const body = message.body === null || message.body === undefined ? null : JSON.stringify(message.body);
    pending.resolve(new Response(body, { status: message.status, headers }));
  }

  /** The socket is gone: what was waiting fails as a lost connection (fetch's TypeError), and the next use reconnects. */
  private dropSocket(): void {
    this.socket = undefined;
    this.disarmIdle();
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const request of waiting) {
      request.reject(new TypeError('The connection to the key server was lost.'));
    }
  }

  private armIdle(): void {
    this.disarmIdle();
    this.idleTimer = setTimeout(() => this.close(), idleCloseMs);
    // In Node, an idle channel does not keep the process alive.
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  private disarmIdle(): void {
    if (this.idleTimer !== undefined) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
  }
}
