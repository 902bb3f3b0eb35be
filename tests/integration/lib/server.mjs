// Starts the real flamedb binary on a loopback ephemeral port with a private data directory,
// and runs it for CLI checks. Every process started here is SIGKILLed if the test process
// exits without stopping it, so a failing test never leaves a server behind.
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

import { flamedbBin } from './paths.mjs';

const liveProcs = new Set();
const liveDirs = new Set();
process.on('exit', () => {
  for (const p of liveProcs) {
    try { p.kill('SIGKILL'); } catch { /* already gone */ }
  }
  for (const d of liveDirs) {
    try { rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
  }
});

/** Throws a readable error when the binary under test is missing or not executable. */
export function assertBinary() {
  try {
    accessSync(flamedbBin, fsConstants.X_OK);
  } catch {
    throw new Error(
      `flamedb binary not found or not executable at ${flamedbBin}; ` +
        'build it first, or set FLAMEDB_BIN to its absolute path',
    );
  }
}

/** Makes a fresh temporary directory that is removed when the test process exits. */
export async function makeTempDir(prefix = 'flamedb-it-') {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  liveDirs.add(dir);
  return dir;
}

/** Removes a directory made by makeTempDir now. */
export function removeTempDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

/** Regex for the logfmt line the server prints once its HTTP listener is bound. */
const LISTENING_RE = /msg="http server listening"/;
const ADDR_RE = /(?:^|\s)addr="?([^\s"]*):(\d+)"?(?:\s|$)/;

/**
 * Spawns the flamedb binary and captures its output.
 * Returns a handle: { proc, stdoutText(), stderrText(), exited: Promise<{code, signal}>,
 * hasExited(), waitForStderr(re, timeoutMs) }.
 */
function spawnFlamedb(args, { env = {} } = {}) {
  assertBinary();
  const proc = spawn(flamedbBin, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveProcs.add(proc);
  let stdout = '';
  let stderr = '';
  let exitInfo = null;
  const waiters = new Set();
  const notify = () => {
    for (const w of waiters) w();
  };
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d) => { stdout += d; notify(); });
  proc.stderr.on('data', (d) => { stderr += d; notify(); });
  const exited = new Promise((resolve) => {
    // 'close' fires after the exit and after both pipes are drained, so the captured
    // text is complete when this resolves.
    proc.on('close', (code, signal) => {
      liveProcs.delete(proc);
      exitInfo = { code, signal };
      notify();
      resolve(exitInfo);
    });
    proc.on('error', (err) => {
      liveProcs.delete(proc);
      exitInfo = { code: null, signal: null, error: err };
      notify();
      resolve(exitInfo);
    });
  });

  /**
   * Resolves with the first complete stderr line matching `re` (and its match), rejects if the
   * process exits first or `timeoutMs` passes.
   */
  function waitForStderr(re, timeoutMs = 10_000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const lines = stderr.split('\n');
        lines.pop(); // a partial last line is not complete yet
        for (const line of lines) {
          const m = re.exec(line);
          if (m) return finish(null, { line, match: m });
        }
        if (exitInfo) {
          return finish(new Error(
            `flamedb exited (code=${exitInfo.code}, signal=${exitInfo.signal}) before logging a line ` +
              `matching ${re}; stderr:\n${stderr}`,
          ));
        }
        return undefined;
      };
      const timer = setTimeout(() => finish(new Error(
        `timed out after ${timeoutMs} ms waiting for a stderr line matching ${re}; stderr so far:\n${stderr}`,
      )), timeoutMs);
      function finish(err, val) {
        clearTimeout(timer);
        waiters.delete(check);
        if (err) reject(err); else resolve(val);
      }
      waiters.add(check);
      check();
    });
  }

  return {
    proc,
    exited,
    hasExited: () => exitInfo !== null,
    stdoutText: () => stdout,
    stderrText: () => stderr,
    waitForStderr,
  };
}

/** One GET with a per-attempt timeout; resolves with the status code or null on any error. */
function probeStatus(port, urlPath, timeoutMs) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(null));
  });
}

/**
 * Starts flamedb listening on 127.0.0.1 and waits until GET /ready answers 200.
 *
 * extraArgs: more flags, appended after the defaults (so they may override them).
 * opts.env: extra environment variables for the server process.
 * opts.listenPort: port flag value (default 0 = ephemeral); null leaves the flag out, so the
 *   port comes from the config file or the built-in default.
 * opts.dataDir: use this storage dir instead of a fresh temp dir.
 * opts.readyTimeoutMs: bound on the whole start-up (default 20 s).
 *
 * Returns { port, baseUrl, proc, dataDir, stderrText(), stdoutText(), waitForStderr(re, ms),
 *   exited, hasExited(), stop(signal = 'SIGTERM', timeoutMs = 15000) -> exit code }.
 * stop() is idempotent; if the process does not exit in time it is SIGKILLed and stop()
 * returns null.
 */
export async function startServer(extraArgs = [], opts = {}) {
  const { env = {}, listenPort = 0, dataDir = null, readyTimeoutMs = 60_000 } = opts;  // Sanitizer builds replay the WAL slowly.
  const dir = dataDir ?? (await makeTempDir('flamedb-data-'));
  const args = ['-server.http-listen-address=127.0.0.1'];
  if (listenPort !== null) args.push(`-server.http-listen-port=${listenPort}`);
  args.push(`-storage.filesystem.dir=${dir}`, ...extraArgs);

  const h = spawnFlamedb(args, { env });
  const deadline = Date.now() + readyTimeoutMs;

  let stopping = null;
  const stop = (signal = 'SIGTERM', timeoutMs = 15_000) => {
    stopping ??= (async () => {
      if (!h.hasExited()) {
        try { h.proc.kill(signal); } catch { /* gone already */ }
      }
      let timer;
      const res = await Promise.race([
        h.exited,
        new Promise((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs); }),
      ]);
      clearTimeout(timer);
      let code;
      if (res === null) {
        try { h.proc.kill('SIGKILL'); } catch { /* gone already */ }
        await h.exited;
        code = null;
      } else {
        code = res.code;
      }
      if (!dataDir) removeTempDir(dir);
      return code;
    })();
    return stopping;
  };

  const server = {
    port: undefined,
    baseUrl: undefined,
    proc: h.proc,
    dataDir: dir,
    args,
    exited: h.exited,
    hasExited: h.hasExited,
    stderrText: h.stderrText,
    stdoutText: h.stdoutText,
    waitForStderr: h.waitForStderr,
    stop,
  };

  try {
    const { line } = await h.waitForStderr(LISTENING_RE, Math.max(0, deadline - Date.now()));
    const m = ADDR_RE.exec(line);
    if (!m) throw new Error(`the "http server listening" line has no addr=<host>:<port>: ${line}`);
    server.port = Number(m[2]);
    server.baseUrl = `http://127.0.0.1:${server.port}`;
    // Poll /ready: 503 (or a refused connection) is expected until every module runs.
    let last = null;
    for (;;) {
      if (h.hasExited()) throw new Error(`flamedb exited while waiting for /ready; stderr:\n${h.stderrText()}`);
      last = await probeStatus(server.port, '/ready', 1000);
      if (last === 200) break;
      if (Date.now() > deadline) {
        throw new Error(`GET /ready did not return 200 within ${readyTimeoutMs} ms (last: ${last}); stderr:\n${h.stderrText()}`);
      }
      await delay(25);
    }
  } catch (err) {
    await stop('SIGKILL', 5000);
    throw err;
  }
  return server;
}

/**
 * Runs flamedb to completion (for -version, -help, bad flags, bad config), bounded by
 * timeoutMs after which it is SIGKILLed. Resolves { code, signal, stdout, stderr, timedOut }.
 */
export async function runFlamedb(args, { env = {}, timeoutMs = 10_000 } = {}) {
  const h = spawnFlamedb(args, { env });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try { h.proc.kill('SIGKILL'); } catch { /* gone */ }
  }, timeoutMs);
  const { code, signal, error } = await h.exited;
  clearTimeout(timer);
  if (error) throw error;
  return { code, signal, stdout: h.stdoutText(), stderr: h.stderrText(), timedOut };
}

/** Asks the kernel for a loopback port that is free right now (for tests that must name a port). */
export async function freePort() {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
