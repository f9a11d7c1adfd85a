import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../src/cli/program.js';
import { DashboardPortInUseError } from '../../src/dashboard/dashboard-server.js';
import { up } from '../../src/main/up.js';
import { eventually } from '../controller-runtime/helpers/api-server.js';

/** A port on 127.0.0.1 that something else holds until `close()`. */
async function occupyPort(port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('capi up serves the dashboard', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'capi-dashboard-up-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('prints the dashboard URL with a fresh token on the ready line, and the URL lets you in', async () => {
    const dataDir = path.join(root, 'ready');
    const lines: string[] = [];
    const urls: string[] = [];
    for (let run = 0; run < 2; run++) {
      const plane = await up({
        dataDir,
        host: '127.0.0.1',
        port: 0,
        noControllers: true,
        dashboard: { port: 0 },
        log: (line) => lines.push(line),
      });
      try {
        const ready = lines.at(-1)!;
        const printed = / — dashboard: (http:\/\/127\.0\.0\.1:\d+\/\?token=([\w-]+)) — /.exec(ready);
        assert.ok(printed, ready);
        assert.equal(plane.dashboardUrl, printed[1]);
        assert.ok(printed[2]!.length >= 40, 'a 32-byte random token');
        // The kubeconfig path is still the first thing after `kubeconfig:` (scripts read it).
        assert.match(ready, /kubeconfig: \S+kubeconfig — dashboard: /);
        urls.push(plane.dashboardUrl!);

        const redirect = await fetch(plane.dashboardUrl!, { redirect: 'manual' });
        assert.equal(redirect.status, 303);
        const cookie = (redirect.headers.get('set-cookie') ?? '').split(';')[0]!;
        const page = await fetch(new URL('/', plane.dashboardUrl), { headers: { Cookie: cookie } });
        assert.equal(page.status, 200);
        assert.match(await page.text(), /<table id="fleet">/);
      } finally {
        await plane.stop();
      }
      await assert.rejects(fetch(plane.dashboardUrl!), 'the dashboard stops with the plane');
    }
    assert.notEqual(new URL(urls[0]!).search, new URL(urls[1]!).search, 'a new token at every start');
  });

  it('moves to one of the next ports when the default one is busy', async () => {
    const busy = await occupyPort();
    try {
      const lines: string[] = [];
      const plane = await up({
        dataDir: path.join(root, 'fallback'),
        host: '127.0.0.1',
        port: 0,
        noControllers: true,
        dashboard: { defaultPort: busy.port },
        log: (line) => lines.push(line),
      });
      try {
        const port = Number(new URL(plane.dashboardUrl!).port);
        assert.ok(port > busy.port && port <= busy.port + 50, `${port} follows the busy ${busy.port}`);
        assert.ok(lines.at(-1)!.includes(plane.dashboardUrl!));
      } finally {
        await plane.stop();
      }
    } finally {
      await busy.close();
    }
  });

  it('fails with one clear line when an explicitly chosen port is busy, leaving nothing running', async () => {
    const busy = await occupyPort();
    try {
      const dataDir = path.join(root, 'explicit');
      await assert.rejects(
        up({
          dataDir,
          host: '127.0.0.1',
          port: 0,
          noControllers: true,
          dashboard: { port: busy.port },
          log: () => undefined,
        }),
        (err: unknown) => {
          assert.ok(err instanceof DashboardPortInUseError);
          return true;
        },
      );
      // Through the CLI: `error: ...` on one line, exit 1.
      let stderr = '';
      const code = await runCli(
        [
          'up',
          '--data-dir',
          dataDir,
          '--port',
          '0',
          '--no-controllers',
          '--dashboard-port',
          String(busy.port),
        ],
        { stdout: () => undefined, stderr: (t) => (stderr += t) },
      );
      assert.equal(code, 1);
      assert.equal(
        stderr,
        `error: the dashboard cannot listen on 127.0.0.1:${busy.port}: the port is already in use ` +
          '(pick another with --dashboard-port (0 for any free port), or --no-dashboard)\n',
      );
      // The data directory is not left locked: the next start works.
      const plane = await up({
        dataDir,
        host: '127.0.0.1',
        port: 0,
        noControllers: true,
        log: () => undefined,
      });
      await plane.stop();
    } finally {
      await busy.close();
    }
  });

  it('serves no dashboard with --no-dashboard', async () => {
    const stop = new AbortController();
    let out = '';
    const running = runCli(
      ['up', '--data-dir', path.join(root, 'none'), '--port', '0', '--no-controllers', '--no-dashboard'],
      { stdout: (t) => (out += t), stderr: (t) => (out += t), signal: stop.signal },
    );
    await eventually(() => out.includes('management plane ready'), 'the ready line', 20_000);
    stop.abort();
    assert.equal(await running, 0);
    assert.doesNotMatch(out, / dashboard: /);
  });
});
