// HTTP helpers: a plain request function built on node:http (it never decompresses, so tests
// see exactly what the server sent), Connect unary calls over it, and a raw-socket client
// with a small HTTP/1.1 response parser for the edge cases a normal client cannot produce.
import http from 'node:http';
import net from 'node:net';

/**
 * One HTTP/1.1 request on a fresh connection (agent: false) unless opts.agent is given.
 * Resolves { status, headers, body: Buffer, text, json(), reusedSocket }.
 */
export function httpRequest(baseUrl, urlPath, opts = {}) {
  const { method = 'GET', headers = {}, body, timeoutMs = 10_000, agent = false } = opts;
  const url = new URL(urlPath, baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolve({
            status: res.statusCode,
            headers: res.headers,
            body: buf,
            text: buf.toString('utf8'),
            json() {
              try {
                return JSON.parse(buf.toString('utf8'));
              } catch (err) {
                throw new Error(`${method} ${urlPath}: expected a JSON body, got ${JSON.stringify(buf.toString('utf8').slice(0, 500))} (${err.message})`);
              }
            },
            reusedSocket: req.reusedSocket,
          });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: no response within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/**
 * A Connect unary call by hand: POST <procedure> with the given body bytes and content type.
 * procedure is e.g. '/grpc.health.v1.Health/Check'.
 */
export function connectUnary(baseUrl, procedure, body, { contentType = 'application/json', headers = {}, timeoutMs } = {}) {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body ?? []);
  return httpRequest(baseUrl, procedure, {
    method: 'POST',
    headers: { 'Content-Type': contentType, 'Content-Length': String(buf.length), ...headers },
    body: buf,
    timeoutMs,
  });
}

/** Short description of a response for assertion messages. */
export function describe(res) {
  const ct = res.headers['content-type'] ?? '(none)';
  const text = (res.text ?? res.body?.toString('utf8') ?? '').slice(0, 400);
  return `HTTP ${res.status}, content-type ${ct}, body ${JSON.stringify(text)}`;
}

/**
 * Parses one HTTP/1.1 response from the front of `buf`.
 * Returns null when more bytes are needed, else { response, rest }.
 * `eof` says the peer has closed, which completes a body delimited by the connection close.
 */
export function parseResponse(buf, eof = false) {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const head = buf.subarray(0, headEnd).toString('latin1');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const m = /^HTTP\/(1\.[01]) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m) throw new Error(`malformed HTTP status line: ${JSON.stringify(statusLine)}`);
  const status = Number(m[2]);
  const headers = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`malformed HTTP header line: ${JSON.stringify(line)}`);
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let pos = headEnd + 4;
  let body;
  const te = (headers['transfer-encoding'] ?? '').toLowerCase();
  if ((status >= 100 && status < 200) || status === 204 || status === 304) {
    body = Buffer.alloc(0);
  } else if (te.includes('chunked')) {
    const parts = [];
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1').split(';')[0].trim(), 16);
      if (Number.isNaN(size)) throw new Error('malformed chunk size');
      pos = lineEnd + 2;
      if (size === 0) {
        // Trailers (usually none) end with an empty line.
        const trailerEnd = buf.indexOf('\r\n\r\n', pos - 2);
        if (trailerEnd < 0) return null;
        pos = trailerEnd + 4;
        break;
      }
      if (buf.length < pos + size + 2) return null;
      parts.push(buf.subarray(pos, pos + size));
      pos += size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    const len = Number(headers['content-length']);
    if (buf.length < pos + len) return null;
    body = buf.subarray(pos, pos + len);
    pos += len;
  } else {
    if (!eof) return null; // body runs until the server closes the connection
    body = buf.subarray(pos);
    pos = buf.length;
  }
  return {
    response: { httpVersion: m[1], status, statusText: m[3] ?? '', headers, body: Buffer.from(body), text: body.toString('utf8') },
    rest: buf.subarray(pos),
  };
}

/**
 * A raw TCP connection to the server with an HTTP/1.1 response reader.
 * Write whatever bytes you like; read responses one at a time; see when the server closes.
 */
export class RawConn {
  /** Connects to 127.0.0.1:port. Rejects with the socket error (e.g. ECONNREFUSED). */
  static connect(port, { host = '127.0.0.1', timeoutMs = 5000 } = {}) {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host, port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeListener('error', onError);
        resolve(new RawConn(sock));
      });
      function onError(err) {
        clearTimeout(timer);
        reject(err);
      }
      sock.once('error', onError);
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.closed = false; // the server closed (FIN or RST) or we destroyed the socket
    this.error = null; // e.g. ECONNRESET / EPIPE, recorded rather than thrown
    this.waiters = new Set();
    sock.setNoDelay(true);
    sock.on('data', (d) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.#notify();
    });
    sock.on('end', () => { this.closed = true; this.#notify(); });
    sock.on('close', () => { this.closed = true; this.#notify(); });
    sock.on('error', (err) => { this.error = err; this.closed = true; this.#notify(); });
  }

  #notify() {
    for (const w of this.waiters) w();
  }

  /**
   * Writes bytes; resolves once handed to the kernel. A write to a connection the server has
   * already closed does not reject (that is often the point of the test): it resolves with the
   * error, which is also kept in this.error.
   */
  write(data) {
    return new Promise((resolve) => {
      if (this.sock.destroyed) {
        resolve(this.error ?? new Error('socket destroyed'));
        return;
      }
      this.sock.write(data, (err) => {
        if (err) this.error ??= err;
        resolve(err ?? null);
      });
    });
  }

  #waitFor(predicate, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const check = () => {
        let r;
        try {
          r = predicate();
        } catch (err) {
          finish(err);
          return;
        }
        if (r !== undefined) finish(null, r);
      };
      const timer = setTimeout(() => finish(new Error(`${what}: nothing within ${timeoutMs} ms; received so far ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))}`)), timeoutMs);
      const finish = (err, val) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (err) reject(err); else resolve(val);
      };
      this.waiters.add(check);
      check();
    });
  }

  /**
   * Resolves with the next complete response { status, statusText, headers, body, text }.
   * Rejects if the connection closes before one arrives, or on timeout.
   */
  readResponse({ timeoutMs = 5000 } = {}) {
    return this.#waitFor(() => {
      const parsed = parseResponse(this.buf, this.closed);
      if (parsed) {
        this.buf = Buffer.from(parsed.rest);
        return parsed.response;
      }
      if (this.closed) {
        const detail = this.error ? ` (${this.error.code ?? this.error.message})` : '';
        throw new Error(`connection closed before a complete response${detail}; received ${JSON.stringify(this.buf.toString('latin1').slice(0, 300))}`);
      }
      return undefined;
    }, timeoutMs, 'waiting for an HTTP response');
  }

  /** Resolves true once the server has closed the connection, false if still open after timeoutMs. */
  async waitClosed({ timeoutMs = 5000 } = {}) {
    try {
      await this.#waitFor(() => (this.closed ? true : undefined), timeoutMs, 'waiting for close');
      return true;
    } catch {
      return false;
    }
  }

  /** Closes our side immediately. */
  destroy() {
    this.sock.destroy();
    this.closed = true;
  }
}

/** Builds a request head: `${method} ${path} HTTP/1.1` plus headers (Host added if absent). */
export function requestHead(method, urlPath, headers = {}) {
  const lines = [`${method} ${urlPath} HTTP/1.1`];
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'host')) lines.push('Host: 127.0.0.1');
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Sends one request on a new raw connection and reads one response; the connection is returned too. */
export async function rawRequest(port, bytes, { timeoutMs = 5000 } = {}) {
  const conn = await RawConn.connect(port, { timeoutMs });
  await conn.write(bytes);
  const res = await conn.readResponse({ timeoutMs });
  return { conn, res };
}

/** Asserts-friendly check that the server still answers GET /ready with 200 on a fresh connection. */
export async function readyStatus(baseUrl) {
  const res = await httpRequest(baseUrl, '/ready', { timeoutMs: 5000 });
  return res.status;
}
