import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createWithStatus,
  condition,
  CORE,
  type DashboardFixture,
  seedFleet,
  startDashboardFixture,
} from './helpers.js';

/** The `<tr ...>...</tr>` of the fleet table for one cluster. */
function fleetRow(body: string, key: string): string {
  const start = body.indexOf(`<tr data-cluster="${key}"`);
  assert.ok(start >= 0, `a row for ${key}`);
  return body.slice(start, body.indexOf('</tr>', start));
}

/** From the element with `id` to the end of the page (enough to look inside it and what follows). */
function from(body: string, id: string): string {
  const start = body.indexOf(`id="${id}"`);
  assert.ok(start >= 0, `an element #${id}`);
  return body.slice(start);
}

/** The markup with its layout whitespace gone: one space for any run, none between tags. */
const squeeze = (markup: string): string =>
  markup.replace(/\s+/g, ' ').replace(/> </g, '><').replace(/ >/g, '>');

const text = (fragment: string): string =>
  fragment
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

describe('dashboard views against an API server', () => {
  let f: DashboardFixture;
  before(async () => {
    f = await startDashboardFixture();
    await seedFleet(f.client);
    // A second control plane Machine in the same state as the first: describe would fold the two into one row.
    await createWithStatus(f.client, {
      apiVersion: CORE,
      kind: 'Machine',
      metadata: {
        name: 'stuck-cp-ccccc',
        namespace: 'fleet-a',
        labels: { 'cluster.x-k8s.io/cluster-name': 'stuck', 'cluster.x-k8s.io/control-plane': '' },
      },
      spec: {
        clusterName: 'stuck',
        bootstrap: { dataSecretName: 'x' },
        infrastructureRef: {
          apiGroup: 'infrastructure.cluster.x-k8s.io',
          kind: 'DevMachine',
          name: 'stuck-cp-ccccc',
        },
      },
      status: {
        conditions: [
          condition('Available', 'True', 'Available'),
          condition('Ready', 'True', 'Ready'),
          condition('UpToDate', 'True', 'UpToDate'),
        ],
      },
    });
  });
  after(async () => {
    await f.stop();
  });

  it('fleet: every cluster with its state, healthy and degraded counts, rows linking to the cluster', async () => {
    const res = await f.request('/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const body = squeeze(await res.text());
    assert.match(body, /data-count="total">3</);
    assert.match(body, /data-count="healthy">1</);
    assert.match(body, /data-count="degraded">2</);
    const keys = [...body.matchAll(/<tr data-cluster="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(keys, ['fleet-a/prod-eu', 'fleet-a/stuck', 'fleet-b/dev-1']);
    assert.match(from(body, 'fleet'), /^id="fleet"/);

    const prod = fleetRow(body, 'fleet-a/prod-eu');
    assert.match(prod, /<a href="\/clusters\/fleet-a\/prod-eu">prod-eu<\/a>/);
    assert.deepEqual(
      text(prod).split(' ').slice(0, 8),
      ['fleet-a', 'prod-eu', 'True', 'Provisioned', 'v1.34.0', 'quick-start', '3/3', '2/2', '1s'].slice(0, 8),
      text(prod),
    );
    const stuck = text(fleetRow(body, 'fleet-a/stuck'));
    // Not available, with the reason; the version comes from the KubeadmControlPlane; 0 of 1 workers ready.
    assert.match(stuck, /^fleet-a stuck False NotAvailable Provisioned v1\.33\.1 1\/1 0\/1 /);
    assert.match(text(fleetRow(body, 'fleet-b/dev-1')), /^fleet-b dev-1 Unknown NoStatusYet - - /);

    // The message is shown (as a tooltip) but never as markup.
    assert.ok(!body.includes('<script>alert'), 'no markup from object fields');
    assert.ok(body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));

    // Live: the page listens to the event stream and re-fetches its content with the filter.
    assert.match(body, /<main hx-ext="sse" sse-connect="\/events">/);
    assert.match(body, /id="content"\s+hx-get="\/\?fragment=1"\s+hx-trigger="sse:change"/);
    assert.match(body, /hx-include="#filter"/);
    assert.match(body, /<script src="\/static\/htmx\.min\.js"><\/script>/);
    assert.match(body, /<script src="\/static\/sse\.min\.js"><\/script>/);
    assert.match(
      body,
      /<nav id="breadcrumbs"[^>]*>\s*<ol>\s*<li><span aria-current="page">Fleet<\/span><\/li>/,
    );
  });

  it('fleet: ?q= filters on name, namespace and ClusterClass, in the page and in the live fragment', async () => {
    const keysFor = async (q: string): Promise<string[]> => {
      const body = squeeze(await (await f.request(`/?q=${encodeURIComponent(q)}`)).text());
      return [...body.matchAll(/<tr data-cluster="([^"]+)"/g)].map((m) => m[1]!);
    };
    assert.deepEqual(await keysFor('prod'), ['fleet-a/prod-eu']);
    assert.deepEqual(await keysFor('FLEET-B'), ['fleet-b/dev-1']);
    assert.deepEqual(await keysFor('quick-start'), ['fleet-a/prod-eu']);
    assert.deepEqual(await keysFor('fleet-a stu'), ['fleet-a/stuck']);
    assert.deepEqual(await keysFor('nothing-like-this'), []);

    const page = squeeze(await (await f.request('/?q=prod')).text());
    assert.match(page, /<input\s+id="filter"\s+type="search"\s+name="q"\s+value="prod"/);
    assert.match(page, /Showing 1 of 3 clusters/);

    const res = await f.request('/?fragment=1&q=prod');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('hx-replace-url'), '/?q=prod');
    const fragment = squeeze(await res.text());
    assert.ok(!fragment.includes('<html'), 'a fragment, not a page');
    assert.match(fragment, /<table id="fleet">/);
    assert.match(fragment, /data-cluster="fleet-a\/prod-eu"/);
    assert.doesNotMatch(fragment, /data-cluster="fleet-a\/stuck"/);
  });

  it('cluster: the describe tree with badges, why things are not ready, machine links and conditions', async () => {
    const res = await f.request('/clusters/fleet-a/stuck');
    assert.equal(res.status, 200);
    const body = squeeze(await res.text());
    const tree = from(body, 'tree');
    assert.match(tree, /data-kind="Cluster" data-name="stuck"/);
    assert.match(tree, /ControlPlane - KubeadmControlPlane\/stuck-cp, v1\.33\.1/);
    // Every Machine has its own link, even the two look-alikes describe would fold into "2 Machines...".
    for (const name of ['stuck-cp-aaaaa', 'stuck-cp-ccccc', 'stuck-md-0-bbbbb']) {
      assert.match(
        tree,
        new RegExp(
          `<a\\s+class="name"\\s+data-machine="fleet-a/${name}"\\s+href="/machines/fleet-a/${name}"`,
        ),
      );
    }
    assert.doesNotMatch(tree, /Machines\.\.\./);
    // The worker is not ready: its badges say so, and the blocking condition's reason and message show.
    const worker = tree.slice(tree.indexOf('data-name="stuck-md-0-bbbbb"'));
    assert.match(worker, /class="badge bad" data-counter="Available"/);
    assert.match(worker, /class="badge bad" data-counter="Ready"/);
    assert.match(worker, /class="badge good" data-counter="UpToDate"/);
    assert.match(worker, /data-condition="Ready"\s*>Ready: False/);
    assert.match(
      worker,
      /<strong>NotReady<\/strong> — <span class="message">\* InfrastructureReady: simulated provider API error<\/span>/,
    );
    // A reference to an object that does not exist is a row of its own.
    assert.match(tree, /NotFound — DevMachine &quot;stuck-md-0-bbbbb&quot; not found/);
    // The Cluster row: Available False, with the (escaped) reason and message.
    assert.match(tree, /data-condition="Available"\s*>Available: False/);
    assert.ok(!body.includes('<script>alert'));

    const conditions = from(body, 'cluster-conditions');
    assert.match(
      conditions,
      /<tr data-condition="RemoteConnectionProbe">\s*<td>RemoteConnectionProbe<\/td>\s*<td><span class="badge good">True<\/span><\/td>\s*<td>ProbeSucceeded<\/td>/,
    );
    assert.match(
      conditions,
      /<tr data-condition="Available">\s*<td>Available<\/td>\s*<td><span class="badge bad">False<\/span><\/td>\s*<td>NotAvailable<\/td>/,
    );

    assert.match(
      body,
      /<li><a href="\/">Fleet<\/a><\/li>\s*<li><span aria-current="page">fleet-a\/stuck<\/span><\/li>/,
    );
    assert.match(body, /sse-connect="\/events\?namespace=fleet-a"/);
    assert.match(body, /hx-get="\/clusters\/fleet-a\/stuck\?fragment=1"/);
  });

  it('cluster: the ClusterResourceSets that select it, each resource applied, failed or not tried, and why a set is not applied', async () => {
    const ADDONS = 'addons.cluster.x-k8s.io/v1beta2';
    await f.client.patch(
      { apiVersion: CORE, kind: 'Cluster', metadata: { name: 'stuck', namespace: 'fleet-a' } },
      { type: 'merge', data: { metadata: { labels: { cni: 'calico' } } } },
    );
    const set = (name: string, labels: Record<string, string>, resources: string[], status?: unknown) =>
      createWithStatus(f.client, {
        apiVersion: ADDONS,
        kind: 'ClusterResourceSet',
        metadata: { name, namespace: 'fleet-a' },
        spec: {
          strategy: 'ApplyOnce',
          clusterSelector: { matchLabels: labels },
          resources: resources.map((r) => ({ kind: 'ConfigMap', name: r })),
        },
        ...(status ? { status } : {}),
      });
    await set('cni', { cni: 'calico' }, ['calico', 'calico-crds'], {
      conditions: [
        condition(
          'ResourcesApplied',
          'False',
          'NotApplied',
          'Cluster stuck: Failed to apply ConfigMap calico-crds: <b>boom</b>',
        ),
      ],
    });
    await set('storage', { cni: 'calico' }, ['csi']);
    await set('elsewhere', { cni: 'cilium' }, ['cilium']);
    await f.client.create({
      apiVersion: ADDONS,
      kind: 'ClusterResourceSetBinding',
      metadata: { name: 'stuck', namespace: 'fleet-a' },
      spec: {
        clusterName: 'stuck',
        bindings: [
          {
            clusterResourceSetName: 'cni',
            resources: [
              {
                kind: 'ConfigMap',
                name: 'calico',
                applied: true,
                hash: 'sha256:aa',
                lastAppliedTime: new Date(Date.now() - 120_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
              },
              {
                kind: 'ConfigMap',
                name: 'calico-crds',
                applied: false,
                lastAppliedTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
              },
            ],
          },
          {
            clusterResourceSetName: 'removed',
            resources: [{ kind: 'ConfigMap', name: 'old', applied: true }],
          },
        ],
      },
    });
    const body = squeeze(await (await f.request('/clusters/fleet-a/stuck')).text());
    const addons = from(body, 'addons').split('</table>')[0]!;
    assert.deepEqual(
      [...addons.matchAll(/<tr data-set="([^"]+)">/g)].map((m) => m[1]),
      ['cni', 'removed', 'storage'],
      'the sets selecting the cluster and the one its binding still names; not the one for other clusters',
    );
    const row = (name: string) => addons.slice(addons.indexOf(`data-set="${name}"`)).split('</tr>')[0]!;
    assert.match(row('cni'), /class="badge good" data-resource="ConfigMap\/calico" title="applied 2m ago"/);
    assert.match(
      row('cni'),
      /class="badge bad" data-resource="ConfigMap\/calico-crds" title="failed \d+s ago"/,
    );
    assert.match(row('cni'), /<span class="reason">NotApplied<\/span>/);
    assert.match(row('cni'), /Failed to apply ConfigMap calico-crds: &lt;b&gt;boom&lt;\/b&gt;/);
    assert.match(
      row('storage'),
      /class="badge unknown" data-resource="ConfigMap\/csi" title="not applied yet"/,
    );
    assert.match(row('storage'), /not reported yet/);
    assert.match(text(row('removed')), /removed deleted; its objects stay in the cluster/);

    const empty = squeeze(await (await f.request('/clusters/fleet-a/prod-eu')).text());
    assert.match(empty, /<p class="muted" id="addons">No ClusterResourceSet selects this cluster\.<\/p>/);
  });

  it('machine: summary, what it is waiting for, its timeline and conditions; breadcrumbs to its cluster', async () => {
    const res = await f.request('/machines/fleet-a/stuck-md-0-bbbbb');
    assert.equal(res.status, 200);
    const body = squeeze(await res.text());
    assert.match(
      text(from(body, 'machine-summary').split('</dl>')[0]!),
      /Cluster stuck Namespace fleet-a Phase Provisioning Version v1\.33\.1 Node none yet Age \d+s/,
    );
    assert.match(body, /<dt>Cluster<\/dt>\s*<dd><a href="\/clusters\/fleet-a\/stuck">stuck<\/a><\/dd>/);
    const waiting = text(from(body, 'waiting').split('</div>')[0]!);
    assert.match(
      waiting,
      /Waiting: WaitingForInfrastructure — Waiting for infrastructure: simulated provider API error at step vm \(for 2m\)/,
    );

    const timeline = from(body, 'timeline').split('</table>')[0]!;
    const rows = [
      ...timeline.matchAll(/<tr class="[^"]*" data-category="(\w+)" data-type="(\w+)">([\s\S]*?)<\/tr>/g),
    ].map((m) => ({ category: m[1], type: m[2], text: text(m[3]!) }));
    assert.ok(rows.length >= 3, JSON.stringify(rows));
    assert.deepEqual(
      rows.find((r) => r.text.includes('ProvisioningRetry')),
      {
        category: 'event',
        type: 'Warning',
        text: rows.find((r) => r.text.includes('ProvisioningRetry'))!.text,
      },
    );
    assert.match(
      rows.find((r) => r.category === 'event')!.text,
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ Machine\/stuck-md-0-bbbbb ProvisioningRetry retrying the VM: simulated provider API error 3$/,
    );
    assert.ok(
      rows.some((r) => /Machine\/stuck-md-0-bbbbb Created Machine created$/.test(r.text)),
      JSON.stringify(rows),
    );
    // Oldest first.
    const times = rows.map((r) => r.text.slice(0, 20));
    assert.deepEqual(times, [...times].sort());
    assert.ok(
      rows.some(
        (r) => r.category === 'condition' && r.type === 'Warning' && /ProvisioningFailed/.test(r.text),
      ),
      JSON.stringify(rows),
    );
    assert.match(
      from(body, 'machine-conditions'),
      /<td>InfrastructureReady<\/td>\s*<td><span class="badge bad">False<\/span><\/td>\s*<td>ProvisioningFailed<\/td>/,
    );

    assert.match(
      body,
      /<li><a href="\/">Fleet<\/a><\/li>\s*<li><a href="\/clusters\/fleet-a\/stuck">fleet-a\/stuck<\/a><\/li>\s*<li><span aria-current="page">stuck-md-0-bbbbb<\/span><\/li>/,
    );

    // A healthy Machine waits for nothing.
    const healthy = squeeze(await (await f.request('/machines/fleet-a/stuck-cp-aaaaa')).text());
    assert.doesNotMatch(healthy, /id="waiting"/);
    assert.match(healthy, /id="not-waiting"/);
  });

  it('answers 404 pages (with breadcrumbs) for unknown clusters, machines and paths', async () => {
    for (const [path, what] of [
      ['/clusters/fleet-a/nope', /cluster &quot;nope&quot; not found in namespace &quot;fleet-a&quot;/i],
      ['/machines/fleet-b/nope', /machine &quot;nope&quot; not found in namespace &quot;fleet-b&quot;/i],
      ['/clusters/fleet-a', /No such page/],
      ['/nowhere', /No such page/],
    ] as const) {
      const res = await f.request(path);
      assert.equal(res.status, 404, path);
      const body = squeeze(await res.text());
      assert.match(body, what, path);
      assert.match(body, /<li><a href="\/">Fleet<\/a><\/li>/, path);
    }
    // A live refresh of a page whose object went away: a notice htmx swaps in, not an error status.
    const fragment = await f.request('/clusters/fleet-a/nope?fragment=1');
    assert.equal(fragment.status, 200);
    assert.match(squeeze(await fragment.text()), /class="notice bad">Cluster &quot;nope&quot; not found/);
  });
});
