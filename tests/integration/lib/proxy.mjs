// An HTTP proxy that records every request it forwards: what a real client sent, byte for byte.
import http from 'node:http';

/** An HTTP proxy to `target` that records { method, url, headers, body, status, response }. */
export function recordingProxy(target) {
  const records = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const rec = { method: req.method, url: req.url, headers: req.headers, body };
      records.push(rec);
      const headers = { ...req.headers, host: new URL(target).host };
      const out = http.request(`${target}${req.url}`, { method: req.method, headers, agent: false }, (up) => {
        const back = [];
        up.on('data', (c) => back.push(c));
        up.on('end', () => {
          rec.status = up.statusCode;
          rec.response = Buffer.concat(back).toString('utf8');
          res.writeHead(up.statusCode, up.headers);
          res.end(Buffer.concat(back));
        });
      });
      out.on('error', (err) => {
        rec.status = 502;
        rec.response = String(err);
        res.writeHead(502);
        res.end(String(err));
      });
      out.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ records, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) }));
  });
}
