import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { KubeadmControlPlaneMetrics, kubeadmControlPlaneMetricsFor } from './metrics.js';

const C1 = { namespace: 'ns', name: 'c1' };
const C2 = { namespace: 'ns', name: 'c2' };
const NOW = Date.parse('2026-03-01T12:00:00Z');
const DAY = 24 * 3600 * 1000;

function setup() {
  const registry = new Registry();
  let now = NOW;
  const metrics = new KubeadmControlPlaneMetrics(registry, { now: () => now });
  return { registry, metrics, advance: (ms: number) => (now += ms) };
}

/** The value of the one sample line that starts with `prefix` (name and labels), or undefined. */
function sample(text: string, prefix: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(prefix + ' '));
  return line === undefined ? undefined : Number(line.slice(prefix.length + 1));
}

describe('KubeadmControlPlaneMetrics', () => {
  it('counts an upgrade once however often it is reported, and observes its duration when it ends', async () => {
    const { registry, metrics, advance } = setup();
    assert.equal(metrics.upgradeStarted(C1, 'v1.34.0'), true);
    advance(60_000);
    assert.equal(metrics.upgradeStarted(C1, 'v1.34.0'), false);
    let text = await registry.metrics();
    assert.equal(
      sample(
        text,
        'capi_kubeadmcontrolplane_upgrade_start_time_seconds{cluster_namespace="ns",cluster_name="c1",version="v1.34.0"}',
      ),
      NOW / 1000,
    );
    advance(240_000);
    assert.equal(metrics.upgradeFinished(C1, true), 300);
    assert.equal(metrics.upgradeFinished(C1, true), undefined, 'a stable cluster reports nothing twice');
    text = await registry.metrics();
    assert.equal(
      sample(
        text,
        'capi_kubeadmcontrolplane_upgrades_started_total{cluster_namespace="ns",cluster_name="c1"}',
      ),
      1,
    );
    assert.equal(
      sample(
        text,
        'capi_kubeadmcontrolplane_upgrades_total{cluster_namespace="ns",cluster_name="c1",result="succeeded"}',
      ),
      1,
    );
    assert.equal(
      sample(
        text,
        'capi_kubeadmcontrolplane_upgrade_duration_seconds_bucket{le="300",cluster_namespace="ns",result="succeeded"}',
      ),
      1,
    );
    assert.equal(
      sample(
        text,
        'capi_kubeadmcontrolplane_upgrade_duration_seconds_bucket{le="120",cluster_namespace="ns",result="succeeded"}',
      ),
      0,
    );
    assert.doesNotMatch(
      text,
      /capi_kubeadmcontrolplane_upgrade_start_time_seconds\{/,
      'no upgrade in progress',
    );
  });

  it('keeps the start given for an upgrade found in progress, and follows a changed target', async () => {
    const { registry, metrics } = setup();
    metrics.upgradeStarted(C1, 'v1.33.0', new Date(NOW - 600_000).toISOString());
    metrics.upgradeStarted(C1, 'v1.34.0');
    const text = await registry.metrics();
    assert.match(text, /version="v1\.34\.0"\} 1772365800\n/);
    assert.doesNotMatch(text, /version="v1\.33\.0"/);
    assert.equal(metrics.upgradeFinished(C1, false), 600);
  });

  it('counts each remediation decision on a Machine once', async () => {
    const { registry, metrics } = setup();
    const deferred = { machine: 'm1', outcome: 'deferred', reason: 'RemediationDeferred' } as const;
    assert.equal(metrics.remediated(C1, deferred), true);
    assert.equal(metrics.remediated(C1, deferred), false);
    assert.equal(
      metrics.remediated(C1, { machine: 'm1', outcome: 'remediated', reason: 'MachineDeleting' }),
      true,
    );
    assert.equal(metrics.remediated(C1, { ...deferred, machine: 'm2' }), true);
    const text = await registry.metrics();
    const prefix = 'capi_kubeadmcontrolplane_remediations_total{cluster_namespace="ns",cluster_name="c1"';
    assert.equal(sample(text, `${prefix},outcome="deferred",reason="RemediationDeferred"}`), 2);
    assert.equal(sample(text, `${prefix},outcome="remediated",reason="MachineDeleting"}`), 1);
  });

  it('reports the time left until the earliest certificate expiry, per cluster and per Machine, when scraped', async () => {
    const { registry, metrics, advance } = setup();
    metrics.setCertificateExpiry(C1, [
      { name: 'm1', certificatesExpiryDate: new Date(NOW + 30 * DAY).toISOString() },
      { name: 'm2', certificatesExpiryDate: new Date(NOW + 10 * DAY) },
      { name: 'm3' },
    ]);
    metrics.setCertificateExpiry(C2, [{ name: 'x' }]);
    advance(DAY);
    const text = await registry.metrics();
    assert.equal(
      sample(
        text,
        'capi_kubeadmcontrolplane_certificates_expiry_seconds{cluster_namespace="ns",cluster_name="c1"}',
      ),
      9 * 86400,
    );
    assert.equal(
      sample(
        text,
        'capi_kubeadmcontrolplane_machine_certificates_expiry_seconds{cluster_namespace="ns",cluster_name="c1",machine="m1"}',
      ),
      29 * 86400,
    );
    assert.doesNotMatch(text, /machine="m3"|cluster_name="c2"/, 'no date, no series');
    metrics.setCertificateExpiry(C1, [{ name: 'm1', certificatesExpiryDate: new Date(NOW + 30 * DAY) }]);
    assert.doesNotMatch(await registry.metrics(), /machine="m2"/, 'a Machine gone drops out');
  });

  it("forgets a deleted cluster's series", async () => {
    const { registry, metrics } = setup();
    metrics.upgradeStarted(C1, 'v1.34.0');
    metrics.remediated(C1, { machine: 'm1', outcome: 'failed', reason: 'InternalError' });
    metrics.setCertificateExpiry(C1, [{ name: 'm1', certificatesExpiryDate: new Date(NOW + DAY) }]);
    metrics.upgradeStarted(C2, 'v1.34.0');
    metrics.forget(C1);
    const text = await registry.metrics();
    assert.doesNotMatch(text, /cluster_name="c1"/);
    assert.match(text, /cluster_name="c2"/);
    assert.equal(metrics.upgradeInProgress(C1), false);
  });

  it('is one set per registry, and its exposition passes promtool check metrics', async (t) => {
    const registry = new Registry();
    const metrics = kubeadmControlPlaneMetricsFor(registry);
    assert.equal(kubeadmControlPlaneMetricsFor(registry), metrics);
    metrics.upgradeStarted(C1, 'v1.34.0');
    metrics.upgradeFinished(C1, false);
    metrics.upgradeStarted(C2, 'v1.34.0');
    metrics.remediated(C1, { machine: 'm1', outcome: 'deferred', reason: 'CannotBeRemediated' });
    metrics.setCertificateExpiry(C1, [{ name: 'm1', certificatesExpiryDate: new Date(Date.now() + DAY) }]);
    const text = await registry.metrics();
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (promtool.error) {
      t.skip('promtool not installed (Debian package prometheus; .ci/run installs it)');
      return;
    }
    assert.equal(
      promtool.status,
      0,
      `promtool check metrics:\n${promtool.stdout}${promtool.stderr}\n${text}`,
    );
  });
});
