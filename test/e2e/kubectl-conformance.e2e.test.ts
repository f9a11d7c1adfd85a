import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  startEmbeddedApiServer,
  type EmbeddedApiServer,
} from '../../src/apiserver/embedded/embedded-api-server.js';
import { widget, widgetCrd } from './fixtures/widget.js';
import { findKubectl, Kubectl } from './helpers/kubectl.js';

const KUBECTL_133 = findKubectl('kubectl.1.33');
const KUBECTL_128 = findKubectl('kubectl.1.28');
const skip133 = KUBECTL_133 ? false : 'kubectl.1.33 is not installed on this machine';

/** Signs a client certificate for `user` (groups as O) with the server's CA, using openssl as the judge. */
async function userKubeconfig(server: EmbeddedApiServer, user: string, groups: string[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `capi-user-${user}-`));
  const key = path.join(dir, 'user.key');
  const csr = path.join(dir, 'user.csr');
  const crt = path.join(dir, 'user.crt');
  const subj = `/CN=${user}${groups.map((g) => `/O=${g}`).join('')}`;
  execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  execFileSync('openssl', ['req', '-new', '-key', key, '-subj', subj, '-out', csr]);
  const ext = path.join(dir, 'ext.cnf');
  await writeFile(ext, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  execFileSync('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    server.paths.caCert,
    '-CAkey',
    server.paths.caKey,
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    crt,
    '-extfile',
    ext,
  ]);
  const b64 = async (p: string): Promise<string> => Buffer.from(await readFile(p)).toString('base64');
  const kubeconfig = path.join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c',
          cluster: { server: server.url, 'certificate-authority-data': await b64(server.paths.caCert) },
        },
      ],
      users: [
        {
          name: user,
          user: { 'client-certificate-data': await b64(crt), 'client-key-data': await b64(key) },
        },
      ],
      contexts: [{ name: 'c', context: { cluster: 'c', user } }],
      'current-context': 'c',
    }),
  );
  return kubeconfig;
}

describe('kubectl 1.33 against the embedded API server', { skip: skip133 }, () => {
  let server: EmbeddedApiServer;
  let k: Kubectl;
  const ns = ['-n', 'smoke'];

  before(async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-conformance-'));
    server = await startEmbeddedApiServer({ dataDir, host: '127.0.0.1', port: 0 });
    k = await Kubectl.create(KUBECTL_133!, server.paths.kubeconfig);
  });
  after(async () => {
    await server?.stop();
  });

  it('version: reports the server as Kubernetes 1.32', async () => {
    const out = JSON.parse(await k.ok(['version', '-o', 'json'])) as { serverVersion: { minor: string } };
    assert.equal(out.serverVersion.minor, '32');
  });

  it('api-versions: lists the core and built-in groups', async () => {
    const out = (await k.ok(['api-versions'])).split('\n');
    for (const gv of [
      'v1',
      'apiextensions.k8s.io/v1',
      'coordination.k8s.io/v1',
      'rbac.authorization.k8s.io/v1',
    ])
      assert.ok(out.includes(gv), `missing ${gv} in ${out.join(',')}`);
  });

  it('api-resources -o wide: names, short names, scope, kinds and verbs', async () => {
    const out = await k.ok(['api-resources', '-o', 'wide']);
    assert.match(out, /^namespaces\s+ns\s+v1\s+false\s+Namespace\s+\[?create,? ?delete/m);
    assert.match(out, /^configmaps\s+cm\s+v1\s+true\s+ConfigMap/m);
    assert.match(
      out,
      /^customresourcedefinitions\s+crd,crds\s+apiextensions\.k8s\.io\/v1\s+false\s+CustomResourceDefinition/m,
    );
    assert.match(out, /^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease/m);
    assert.match(out, /^persistentvolumes\s+pv\s+v1\s+false\s+PersistentVolume/m);
    assert.match(out, /^volumeattachments\s+storage\.k8s\.io\/v1\s+false\s+VolumeAttachment/m);
  });

  it('get --raw /openapi/v3: indexes the api/v1 document', async () => {
    const root = JSON.parse(await k.ok(['get', '--raw', '/openapi/v3'])) as {
      paths: Record<string, { serverRelativeURL: string }>;
    };
    assert.match(root.paths['api/v1']!.serverRelativeURL, /^\/openapi\/v3\/api\/v1\?hash=/);
  });

  it('apply (client-side) creates a namespace', async () => {
    const f = await k.file('ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: smoke\n');
    assert.equal((await k.ok(['apply', '-f', f])).trim(), 'namespace/smoke created');
  });

  it('create namespace (protobuf body) works and the namespace is Active', async () => {
    assert.equal((await k.ok(['create', 'namespace', 'smoke2'])).trim(), 'namespace/smoke2 created');
    assert.equal(await k.ok(['get', 'ns', 'smoke', '-o', 'jsonpath={.status.phase}']), 'Active');
  });

  it('apply a CRD and wait for it to be Established', async () => {
    const f = await k.file('crd.yaml', widgetCrd);
    assert.equal(
      (await k.ok(['apply', '-f', f])).trim(),
      'customresourcedefinition.apiextensions.k8s.io/widgets.test.example.com created',
    );
    const out = await k.ok([
      'wait',
      '--for=condition=Established',
      'crd/widgets.test.example.com',
      '--timeout=10s',
    ]);
    assert.match(out, /condition met/);
  });

  it('apply a custom resource, then apply again is unchanged', async () => {
    const f = await k.file('w1.yaml', widget('w1', { labels: '    app: demo' }));
    assert.equal((await k.ok(['apply', ...ns, '-f', f])).trim(), 'widget.test.example.com/w1 created');
    assert.equal((await k.ok(['apply', ...ns, '-f', f])).trim(), 'widget.test.example.com/w1 unchanged');
  });

  it('get prints the CRD printer columns', async () => {
    const out = await k.ok(['get', 'wd', ...ns]);
    assert.match(out, /^NAME\s+REPLICAS\s+AGE\s*$/m);
    assert.match(out, /^w1\s+1\s+\d+s\s*$/m);
  });

  it('get -o wide adds priority columns', async () => {
    const out = await k.ok(['get', 'wd', ...ns, '-o', 'wide']);
    assert.match(out, /^NAME\s+REPLICAS\s+COLOR\s+AGE/m);
    assert.match(out, /^w1\s+1\s+red\s+/m);
  });

  it('get -A --show-labels fills NAMESPACE and LABELS', async () => {
    const out = await k.ok(['get', 'wd', '-A', '--show-labels']);
    assert.match(out, /^smoke\s+w1\s+1\s+\S+\s+app=demo\s*$/m);
  });

  it('get -o yaml / -o json carry server-set metadata', async () => {
    const y = await k.ok(['get', 'wd', 'w1', ...ns, '-o', 'yaml']);
    assert.match(y, /uid: [0-9a-f-]{36}/);
    assert.match(y, /creationTimestamp: "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/);
    const j = JSON.parse(await k.ok(['get', 'wd', 'w1', ...ns, '-o', 'json'])) as {
      metadata: { generation: number; resourceVersion: string };
    };
    assert.equal(j.metadata.generation, 1);
    assert.match(j.metadata.resourceVersion, /^\d+$/);
  });

  it('explain renders the CRD schema', async () => {
    const out = await k.ok(['explain', 'wd.spec.replicas']);
    assert.match(out, /FIELD:\s+replicas <integer>/);
    assert.match(out, /How many widgets to run/);
  });

  it('patch --type=merge changes spec and bumps generation', async () => {
    assert.match(
      await k.ok(['patch', 'wd', 'w1', ...ns, '--type=merge', '-p', '{"spec":{"color":"blue"}}']),
      /patched/,
    );
    assert.equal(await k.ok(['get', 'wd', 'w1', ...ns, '-o', 'jsonpath={.metadata.generation}']), '2');
  });

  it('patch --type=json with a failing test op is rejected (422)', async () => {
    const out = await k.fails([
      'patch',
      'wd',
      'w1',
      ...ns,
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/color","value":"red"}]',
    ]);
    assert.match(out, /The request is invalid: .*testing value \/spec\/color failed: test failed/);
  });

  it('strategic merge patch on a custom resource is refused (415)', async () => {
    const out = await k.fails(['patch', 'wd', 'w1', ...ns, '-p', '{"spec":{"color":"green"}}']);
    assert.match(out, /strategic-merge-patch\+json is not supported/);
  });

  it('patch --subresource=status changes status only, generation unchanged', async () => {
    const cond =
      '{"status":{"replicas":1,"conditions":[{"type":"Ready","status":"True","reason":"Ok","message":"","lastTransitionTime":"2025-01-01T00:00:00Z"}]}}';
    assert.match(
      await k.ok(['patch', 'wd', 'w1', ...ns, '--subresource=status', '--type=merge', '-p', cond]),
      /patched/,
    );
    assert.equal(await k.ok(['get', 'wd', 'w1', ...ns, '-o', 'jsonpath={.metadata.generation}']), '2');
  });

  it('status through the main endpoint is ignored', async () => {
    const rv = await k.ok(['get', 'wd', 'w1', ...ns, '-o', 'jsonpath={.metadata.resourceVersion}']);
    assert.match(
      await k.ok(['patch', 'wd', 'w1', ...ns, '--type=merge', '-p', '{"status":{"replicas":9}}']),
      /patched \(no change\)/,
    );
    assert.equal(
      await k.ok(['get', 'wd', 'w1', ...ns, '-o', 'jsonpath={.status.replicas}/{.metadata.resourceVersion}']),
      `1/${rv}`,
    );
  });

  it('wait --for=condition=Ready', async () => {
    assert.match(
      await k.ok(['wait', '--for=condition=Ready', 'wd/w1', ...ns, '--timeout=10s']),
      /widget.test.example.com\/w1 condition met/,
    );
  });

  it('wait --for=jsonpath', async () => {
    assert.match(
      await k.ok(['wait', '--for=jsonpath={.spec.color}=blue', 'wd/w1', ...ns, '--timeout=10s']),
      /condition met/,
    );
  });

  it('scale through the scale subresource', async () => {
    assert.match(await k.ok(['scale', 'wd/w1', ...ns, '--replicas=3']), /scaled/);
    assert.equal(
      await k.ok(['get', 'wd', 'w1', ...ns, '--subresource=scale', '-o', 'jsonpath={.spec.replicas}']),
      '3',
    );
    assert.equal(await k.ok(['get', 'wd', 'w1', ...ns, '-o', 'jsonpath={.metadata.generation}']), '3');
  });

  it('replace with a stale object is a conflict', async () => {
    const stale = await k.ok(['get', 'wd', 'w1', ...ns, '-o', 'yaml']);
    const f = await k.file('stale.yaml', stale);
    await k.ok(['label', 'wd', 'w1', ...ns, 'x=y']);
    const out = await k.fails(['replace', '-f', f]);
    assert.match(out, /Error from server \(Conflict\).*the object has been modified/s);
  });

  it('annotate and label show up on the object', async () => {
    await k.ok(['annotate', 'wd', 'w1', ...ns, 'note=hello']);
    assert.equal(
      await k.ok([
        'get',
        'wd',
        'w1',
        ...ns,
        '-o',
        'jsonpath={.metadata.annotations.note}/{.metadata.labels.x}',
      ]),
      'hello/y',
    );
  });

  it('schema validation: wrong type is 422 with the field path', async () => {
    const f = await k.file('bad.yaml', widget('wbad', { replicas: 'two' }));
    const out = await k.fails(['create', ...ns, '-f', f]);
    assert.match(
      out,
      /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/,
    );
  });

  it('CEL validation rule is enforced', async () => {
    const f = await k.file('cel.yaml', widget('wcel', { spec: '  size: toolong\n' }));
    const out = await k.fails(['create', ...ns, '-f', f]);
    assert.match(out, /size must be at most 5 characters/);
  });

  it('unknown fields: strict by default, pruned with --validate=false', async () => {
    const f = await k.file('unknown.yaml', widget('wunk', { spec: '  foo: bar\n' }));
    assert.match(await k.fails(['apply', ...ns, '-f', f]), /unknown field "spec\.foo"/);
    await k.ok(['apply', ...ns, '--validate=false', '-f', f]);
    assert.equal(
      await k.ok(['get', 'wd', 'wunk', ...ns, '-o', 'jsonpath={.spec}']),
      '{"color":"red","replicas":1}',
    );
  });

  it('defaults from the schema are applied', async () => {
    const f = await k.file(
      'nocolor.yaml',
      'apiVersion: test.example.com/v1\nkind: Widget\nmetadata:\n  name: wdef\nspec:\n  replicas: 2\n',
    );
    await k.ok(['create', ...ns, '-f', f]);
    assert.equal(await k.ok(['get', 'wd', 'wdef', ...ns, '-o', 'jsonpath={.spec.color}']), 'red');
  });

  it('apply --server-side records the manager and detects conflicts', async () => {
    const f = await k.file('w2.yaml', widget('w2', { replicas: 1 }));
    assert.match(
      await k.ok(['apply', '--server-side', ...ns, '-f', f]),
      /widget.test.example.com\/w2 serverside-applied/,
    );
    const managed = await k.ok([
      'get',
      'wd',
      'w2',
      ...ns,
      '--show-managed-fields',
      '-o',
      'jsonpath={.metadata.managedFields[0].manager}/{.metadata.managedFields[0].operation}',
    ]);
    assert.equal(managed, 'kubectl/Apply');
    const f5 = await k.file('w2-5.yaml', widget('w2', { replicas: 5 }));
    const out = await k.fails(['apply', '--server-side', '--field-manager=other', ...ns, '-f', f5]);
    assert.match(out, /Apply failed with 1 conflict: conflict with "kubectl".*\.spec\.replicas/s);
    await k.ok(['apply', '--server-side', '--field-manager=other', '--force-conflicts', ...ns, '-f', f5]);
    assert.equal(await k.ok(['get', 'wd', 'w2', ...ns, '-o', 'jsonpath={.spec.replicas}']), '5');
  });

  it('--dry-run=server validates without persisting', async () => {
    const f = await k.file('w9.yaml', widget('w9'));
    assert.match(await k.ok(['create', ...ns, '--dry-run=server', '-f', f]), /w9 created \(server dry run\)/);
    assert.match(await k.fails(['get', 'wd', 'w9', ...ns]), /NotFound/);
  });

  it('get --watch streams ADDED and MODIFIED events', async () => {
    const watch = k.run(['get', 'wd', ...ns, '-w', '--output-watch-events', '--request-timeout=4s'], {
      timeoutMs: 15_000,
    });
    await new Promise((r) => setTimeout(r, 1500));
    await k.ok(['patch', 'wd', 'w2', ...ns, '--type=merge', '-p', '{"spec":{"color":"cyan"}}']);
    const r = await watch;
    assert.match(r.stdout, /^ADDED\s+w1\s/m);
    assert.match(r.stdout, /^ADDED\s+w2\s/m);
    assert.match(r.stdout, /^MODIFIED\s+w2\s/m);
  });

  it('configmaps: create (protobuf), paginate with --chunk-size, select by label', async () => {
    for (const i of [1, 2, 3]) await k.ok(['create', 'cm', `c${i}`, ...ns, `--from-literal=a=${i}`]);
    const names = (await k.ok(['get', 'cm', ...ns, '--chunk-size=1', '-o', 'name'])).trim().split('\n');
    assert.deepEqual(
      names.filter((n) => /^configmap\/c\d$/.test(n)),
      ['configmap/c1', 'configmap/c2', 'configmap/c3'],
    );
    await k.ok(['label', 'cm', 'c1', ...ns, 'app=demo']);
    assert.equal(
      (await k.ok(['get', 'cm', ...ns, '-l', 'app in (demo)', '-o', 'name'])).trim(),
      'configmap/c1',
    );
  });

  it('secrets: create generic, data base64 on read', async () => {
    await k.ok(['create', 'secret', 'generic', 's1', ...ns, '--from-literal=k=v']);
    assert.equal(
      await k.ok(['get', 'secret', 's1', ...ns, '-o', 'jsonpath={.data.k}']),
      Buffer.from('v').toString('base64'),
    );
    assert.match(await k.ok(['get', 'secret', ...ns]), /^s1\s+Opaque\s+1\s+/m);
  });

  it('field selector on metadata.name', async () => {
    assert.equal(
      (await k.ok(['get', 'wd', '-A', '--field-selector', 'metadata.name=w1', '-o', 'name'])).trim(),
      'widget.test.example.com/w1',
    );
  });

  it('describe shows events about the object', async () => {
    const uid = await k.ok(['get', 'wd', 'w1', ...ns, '-o', 'jsonpath={.metadata.uid}']);
    const ev = await k.file(
      'event.yaml',
      `apiVersion: v1\nkind: Event\nmetadata:\n  name: w1.ev1\ninvolvedObject:\n  apiVersion: test.example.com/v1\n  kind: Widget\n  name: w1\n  namespace: smoke\n  uid: ${uid}\nreason: Provisioned\nmessage: the widget is ready\ntype: Normal\nsource:\n  component: test\n`,
    );
    await k.ok(['create', ...ns, '-f', ev]);
    const out = await k.ok(['describe', 'wd', 'w1', ...ns]);
    assert.match(out, /Events:/);
    assert.match(out, /Provisioned\s+.*the widget is ready/);
  });

  it('Lease MicroTime must have six fractional digits', async () => {
    const good = await k.file(
      'lease.yaml',
      'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: l1\nspec:\n  holderIdentity: me\n  renewTime: "2025-01-01T00:00:00.123456Z"\n',
    );
    assert.match(await k.ok(['apply', ...ns, '-f', good]), /lease.coordination.k8s.io\/l1 created/);
    const bad = await k.file(
      'lease-bad.yaml',
      'apiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata:\n  name: l2\nspec:\n  holderIdentity: me\n  renewTime: "2025-01-01T00:00:00.123Z"\n',
    );
    assert.match(
      await k.fails(['apply', ...ns, '-f', bad]),
      /Error from server \(BadRequest\).*cannot be handled as a Lease/s,
    );
  });

  it('finalizers hold deletion; no new finalizers while deleting; removing the last deletes', async () => {
    await k.ok([
      'patch',
      'wd',
      'w1',
      ...ns,
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":["smoke.test/hold"]}}',
    ]);
    assert.match(
      await k.ok(['delete', 'wd', 'w1', ...ns, '--wait=false']),
      /widget.test.example.com "w1" deleted/,
    );
    assert.notEqual(
      await k.ok(['get', 'wd', 'w1', ...ns, '-o', 'jsonpath={.metadata.deletionTimestamp}']),
      '',
    );
    const out = await k.fails([
      'patch',
      'wd',
      'w1',
      ...ns,
      '--type=json',
      '-p',
      '[{"op":"add","path":"/metadata/finalizers/-","value":"smoke.test/new"}]',
    ]);
    assert.match(out, /no new finalizers can be added if the object is being deleted/);
    await k.ok(['patch', 'wd', 'w1', ...ns, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    assert.match(await k.fails(['get', 'wd', 'w1', ...ns]), /Error from server \(NotFound\)/);
  });

  async function ownedConfigMap(owner: string, child: string): Promise<void> {
    const f = await k.file(`${owner}.yaml`, widget(owner));
    await k.ok(['apply', ...ns, '-f', f]);
    const uid = await k.ok(['get', 'wd', owner, ...ns, '-o', 'jsonpath={.metadata.uid}']);
    const cm = await k.file(
      `${child}.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${child}\n  ownerReferences:\n  - apiVersion: test.example.com/v1\n    kind: Widget\n    name: ${owner}\n    uid: ${uid}\n    blockOwnerDeletion: true\ndata:\n  a: b\n`,
    );
    await k.ok(['apply', ...ns, '-f', cm]);
  }

  it('delete --cascade=foreground waits for dependents', async () => {
    await ownedConfigMap('w3', 'child3');
    await k.ok(['delete', 'wd', 'w3', ...ns, '--cascade=foreground', '--timeout=20s']);
    assert.match(await k.fails(['get', 'cm', 'child3', ...ns]), /NotFound/);
    assert.match(await k.fails(['get', 'wd', 'w3', ...ns]), /NotFound/);
  });

  it('delete --cascade=orphan keeps dependents and strips the owner reference', async () => {
    await ownedConfigMap('w4', 'child4');
    await k.ok(['delete', 'wd', 'w4', ...ns, '--cascade=orphan', '--timeout=20s']);
    assert.equal(
      await k.ok(['get', 'cm', 'child4', ...ns, '-o', 'jsonpath={.metadata.ownerReferences}']),
      '',
    );
  });

  it('delete (background) garbage-collects dependents', async () => {
    await ownedConfigMap('w5', 'child5');
    await k.ok(['delete', 'wd', 'w5', ...ns]);
    assert.match(
      await k
        .ok(['wait', '--for=delete', 'cm/child5', ...ns, '--timeout=15s'], { timeoutMs: 20_000 })
        .catch((e: Error) => e.message),
      /deleted|not found|^$/,
    );
    assert.match(await k.fails(['get', 'cm', 'child5', ...ns]), /NotFound/);
  });

  it('auth can-i: admin may do anything', async () => {
    assert.equal((await k.ok(['auth', 'can-i', 'delete', 'secrets', '-n', 'smoke'])).trim(), 'yes');
  });

  it('RBAC: a user without bindings is refused, then allowed by a RoleBinding', async () => {
    const alice = await Kubectl.create(KUBECTL_133!, await userKubeconfig(server, 'alice', ['devs']));
    const denied = await alice.fails(['get', 'cm', ...ns]);
    assert.match(
      denied,
      /Error from server \(Forbidden\): configmaps is forbidden: User "alice" cannot list resource "configmaps" in API group "" in the namespace "smoke"/,
    );
    assert.equal((await alice.run(['auth', 'can-i', 'list', 'configmaps', ...ns])).stdout.trim(), 'no');
    await k.ok(['create', 'role', 'cm-reader', ...ns, '--verb=get,list', '--resource=configmaps']);
    await k.ok(['create', 'rolebinding', 'alice-cm', ...ns, '--role=cm-reader', '--user=alice']);
    assert.match(await alice.ok(['get', 'cm', ...ns, '-o', 'name']), /configmap\/c1/);
    assert.match(await alice.fails(['delete', 'cm', 'c1', ...ns]), /cannot delete resource "configmaps"/);
  });

  it('impersonation with --as is authorized like the impersonated user', async () => {
    const out = await k.fails(['get', 'secrets', ...ns, '--as=bob']);
    assert.match(out, /User "bob" cannot list resource "secrets"/);
  });

  it('namespaces get a default ServiceAccount whose tokens authenticate', async () => {
    await k.ok(['wait', '--for=jsonpath={.metadata.name}=default', 'sa/default', ...ns, '--timeout=10s']);
    const token = (await k.ok(['create', 'token', 'default', ...ns, '--duration=10m'])).trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const kubeconfig = await k.file(
      'token.kubeconfig',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'c',
            cluster: {
              server: server.url,
              'certificate-authority-data': Buffer.from(await readFile(server.paths.caCert)).toString(
                'base64',
              ),
            },
          },
        ],
        users: [{ name: 'sa', user: { token } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'sa' } }],
        'current-context': 'c',
      }),
    );
    const robot = await Kubectl.create(KUBECTL_133!, kubeconfig);
    assert.equal(
      await robot.ok(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']),
      'system:serviceaccount:smoke:default',
    );
  });

  it('deployments are stored, scaled through their scale subresource and printed', async () => {
    assert.match(
      await k.ok(['create', 'deployment', 'web', ...ns, '--image=nginx']),
      /deployment.apps\/web created/,
    );
    assert.match(await k.ok(['scale', 'deployment', 'web', ...ns, '--replicas=2']), /scaled/);
    assert.equal(
      await k.ok(['get', 'deploy', 'web', ...ns, '-o', 'jsonpath={.spec.replicas}/{.metadata.generation}']),
      '2/2',
    );
    assert.match(await k.ok(['get', 'deploy', ...ns]), /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s*$/m);
  });

  it('deleting a CRD removes its resources and its API', async () => {
    await k.ok(['delete', 'crd', 'widgets.test.example.com', '--timeout=30s'], { timeoutMs: 40_000 });
    assert.match(await k.fails(['get', 'crd', 'widgets.test.example.com']), /NotFound/);
    // A kubectl without cached discovery no longer finds the type at all.
    const fresh = await Kubectl.create(KUBECTL_133!, server.paths.kubeconfig);
    assert.match(await fresh.fails(['get', 'wd', ...ns]), /the server doesn't have a resource type "wd"/);
    assert.doesNotMatch(await fresh.ok(['api-resources']), /widgets/);
  });

  it('namespace deletion removes its content and refuses new content meanwhile', async () => {
    await k.ok([
      'patch',
      'cm',
      'c2',
      ...ns,
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":["smoke.test/hold"]}}',
    ]);
    await k.ok(['delete', 'ns', 'smoke', '--wait=false']);
    assert.equal(await k.ok(['get', 'ns', 'smoke', '-o', 'jsonpath={.status.phase}']), 'Terminating');
    const refused = await k.fails(['create', 'cm', 'late', ...ns, '--from-literal=a=b']);
    assert.match(
      refused,
      /forbidden: unable to create new content in namespace smoke because it is being terminated/,
    );
    await k.ok(['patch', 'cm', 'c2', ...ns, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await k.ok(['wait', '--for=delete', 'ns/smoke', '--timeout=20s'], { timeoutMs: 30_000 });
    assert.match(await k.fails(['get', 'ns', 'smoke']), /NotFound/);
  });
});

describe(
  'kubectl 1.28 (aggregated discovery v2beta1, protobuf OpenAPI v2)',
  { skip: KUBECTL_128 ? false : 'kubectl.1.28 is not installed on this machine' },
  () => {
    let server: EmbeddedApiServer;
    let k: Kubectl;

    before(async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-conformance-128-'));
      server = await startEmbeddedApiServer({ dataDir, host: '127.0.0.1', port: 0 });
      k = await Kubectl.create(KUBECTL_128!, server.paths.kubeconfig);
    });
    after(async () => {
      await server?.stop();
    });

    it('api-resources lists built-ins', async () => {
      assert.match(await k.ok(['api-resources']), /^namespaces\s+ns\s+v1\s+false\s+Namespace/m);
    });

    it('applies a CRD and custom resources, and gets them with printer columns', async () => {
      await k.ok(['apply', '-f', await k.file('crd.yaml', widgetCrd)]);
      await k.ok(['wait', '--for=condition=Established', 'crd/widgets.test.example.com', '--timeout=10s']);
      await k.ok(['create', 'ns', 'old']);
      const f = await k.file('w1.yaml', widget('w1'));
      assert.match(await k.ok(['apply', '-n', 'old', '-f', f]), /widget.test.example.com\/w1 created/);
      assert.match(await k.ok(['apply', '-n', 'old', '-f', f]), /unchanged/);
      assert.match(await k.ok(['get', 'wd', '-n', 'old']), /^w1\s+1\s+/m);
    });

    it('apply --server-side', async () => {
      const f = await k.file('w2.yaml', widget('w2'));
      assert.match(await k.ok(['apply', '--server-side', '-n', 'old', '-f', f]), /serverside-applied/);
    });
  },
);
