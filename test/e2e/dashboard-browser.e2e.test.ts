// Issue 11: the fleet dashboard in a real browser. `capi up` serves it; Debian's chromium, driven by
// playwright-core, opens the URL the ready line prints (with its token), sees the clusters, follows one cluster to
// its stuck worker and reads on the worker's timeline why it is stuck. A new cluster appears on the open fleet page
// without a reload (server-sent events). Screenshots of the three views go to a temporary folder, or to
// docs/images/ when UPDATE_SCREENSHOTS=1 (how the README's pictures are made).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { parseAllDocuments, stringify } from 'yaml';
import { generateCluster } from '../../src/clusterctl/generate/generate-cluster.js';
import { startCapiUp } from './helpers/capi-process.js';
import { findKubectl, Kubectl } from './helpers/kubectl.js';

const KUBECTL = findKubectl('kubectl.1.32') ?? findKubectl('kubectl');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));

type Doc = { kind: string; metadata: { name: string }; spec?: unknown };

/** `capi generate cluster NAME --flavor in-memory-kcp` with one control plane Machine and one worker. */
function cluster(name: string, workerAnnotations?: Record<string, string>): string {
  const { yaml } = generateCluster({
    name,
    flavor: 'in-memory-kcp',
    kubernetesVersion: 'v1.34.0',
    controlPlaneMachineCount: 1,
    workerMachineCount: 1,
    targetNamespace: 'default',
    env: {},
  });
  const docs = parseAllDocuments(yaml).map((d) => d.toJS() as Doc);
  if (workerAnnotations) {
    const t = docs.find((d) => d.kind === 'DevMachineTemplate' && d.metadata.name === `${name}-md-0`)!;
    (t.spec as { template: { metadata?: unknown } }).template.metadata = { annotations: workerAnnotations };
  }
  return docs.map((d) => stringify(d)).join('---\n');
}

describe(
  'fleet dashboard in chromium',
  {
    skip: !KUBECTL
      ? 'no kubectl on this machine'
      : !CHROMIUM
        ? 'chromium is not installed (Debian package `chromium`; .ci/run installs it)'
        : false,
  },
  () => {
    it('shows the fleet, follows a cluster to its stuck machine and explains on the timeline why it is stuck', async () => {
      const shots =
        process.env.UPDATE_SCREENSHOTS === '1' ? IMAGES : await mkdtemp(path.join(tmpdir(), 'capi-shots-'));
      await mkdir(shots, { recursive: true });
      const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-dashboard-'));
      const up = await startCapiUp(dataDir, ['--workload-ports', '42000-42999', '--dashboard-port', '0']);
      const browser = await chromium.launch({
        executablePath: CHROMIUM!,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      try {
        const dashboard = /dashboard: (http\S+)/.exec(up.readyLine)?.[1];
        assert.ok(dashboard, `the ready line prints the dashboard URL: ${up.readyLine}`);
        assert.match(dashboard, /[?&]token=[\w-]{16,}/, 'the URL carries the access token');
        const k = await Kubectl.create(KUBECTL!, up.kubeconfig);
        // `stuck`: its worker's simulated VM never comes up (the infrastructure API fails at the `vm` step).
        await k.ok(['apply', '-f', '-'], {
          input: [cluster('prod-eu'), cluster('stuck', { 'inmemory.capi-ts.io/fail-at-step': 'vm' })].join(
            '---\n',
          ),
        });
        await k.ok(['wait', '--for=condition=Available', 'cluster/prod-eu', '--timeout=120s'], {
          timeoutMs: 130_000,
        });
        await k.ok(['wait', '--for=condition=Available', 'kcp/stuck-control-plane', '--timeout=120s'], {
          timeoutMs: 130_000,
        });

        // Without the token nothing is served.
        const bare = new URL(dashboard);
        bare.search = '';
        assert.equal((await fetch(bare)).status, 401);

        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        await page.goto(dashboard);
        assert.ok(!page.url().includes('token='), `the token is dropped from the address bar: ${page.url()}`);
        const fleet = page.locator('#fleet');
        await fleet.locator('tr[data-cluster="default/prod-eu"]').waitFor();
        await fleet.locator('tr[data-cluster="default/stuck"]').waitFor();
        assert.match(await fleet.locator('tr[data-cluster="default/prod-eu"]').innerText(), /v1\.34\.0/);
        await page.screenshot({ path: path.join(shots, 'dashboard-fleet.png'), fullPage: true });

        // Live: a cluster created now shows up on the open page (server-sent events), no reload.
        await k.ok(['apply', '-f', '-'], { input: cluster('late') });
        await fleet.locator('tr[data-cluster="default/late"]').waitFor({ timeout: 15_000 });

        await fleet.locator('tr[data-cluster="default/stuck"] a', { hasText: 'stuck' }).first().click();
        await page.waitForURL(/\/clusters\/default\/stuck$/);
        const worker = page.locator('#tree a[data-machine^="default/stuck-md-0-"]').first();
        await worker.waitFor();
        await page.screenshot({ path: path.join(shots, 'dashboard-cluster.png'), fullPage: true });

        await worker.click();
        await page.waitForURL(/\/machines\/default\/stuck-md-0-/);
        const waiting = page.locator('#waiting');
        await waiting.waitFor();
        const why = await waiting.innerText();
        assert.match(why, /infrastructure/i, why);
        assert.match(why, /simulated failure of the vm step/, why);
        const timeline = await page.locator('#timeline').innerText();
        assert.match(timeline, /Machine/, timeline);
        assert.match(timeline, /DevMachine/, timeline);
        await page.screenshot({ path: path.join(shots, 'dashboard-machine.png'), fullPage: true });

        // Back to the fleet through the breadcrumbs.
        await page.locator('nav a', { hasText: /fleet/i }).first().click();
        await fleet.locator('tr[data-cluster="default/late"]').waitFor();
      } finally {
        await browser.close();
        up.child.kill('SIGTERM');
        await up.exited;
      }
    });
  },
);
