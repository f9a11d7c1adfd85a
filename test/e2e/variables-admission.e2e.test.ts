// Cluster topology variables checked at admission by the embedded API server's in-process webhooks: a
// ClusterClass defines variables, its status publishes them as the ClusterClass controller does, and Clusters
// whose values break the schemas come back as 422 naming the variable.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { KubeClient } from '../../src/controller-runtime/client/kube-client.js';
import { type RunningManagementPlane, up } from '../../src/main/up.js';
import { invalid } from './helpers/admission.js';

const NS = 'vars';
const API_VERSION = 'cluster.x-k8s.io/v1beta2';
const templateRef = (apiVersion: string, kind: string, name: string) => ({ apiVersion, kind, name });

const variables = [
  {
    name: 'region',
    required: false,
    schema: { openAPIV3Schema: { type: 'string', enum: ['us-east-1', 'us-east-2'] } },
  },
  {
    name: 'proxy',
    required: true,
    schema: {
      openAPIV3Schema: {
        type: 'object',
        properties: { url: { type: 'string' }, noProxy: { type: 'string' } },
        required: ['url'],
      },
    },
  },
  {
    name: 'replicas',
    required: false,
    schema: {
      openAPIV3Schema: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= 1' }] },
    },
  },
];

const clusterClass: KubeObject = {
  apiVersion: API_VERSION,
  kind: 'ClusterClass',
  metadata: { name: 'with-vars', namespace: NS },
  spec: {
    infrastructure: {
      templateRef: templateRef('infrastructure.cluster.x-k8s.io/v1beta2', 'DevClusterTemplate', 'infra'),
    },
    controlPlane: {
      templateRef: templateRef('controlplane.cluster.x-k8s.io/v1beta2', 'KubeadmControlPlaneTemplate', 'cp'),
    },
    variables,
  },
};

const cluster = (name: string, values: { name: string; value: unknown }[]): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'Cluster',
  metadata: { name, namespace: NS },
  spec: { topology: { classRef: { name: 'with-vars' }, version: 'v1.33.0', variables: values } },
});

describe('Cluster topology variables are validated against the ClusterClass schemas at admission', () => {
  let dataDir: string;
  let plane: RunningManagementPlane;
  let client: KubeClient;

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-vars-'));
    plane = await up({ dataDir, host: '127.0.0.1', port: 0, noControllers: true, log: () => undefined });
    client = KubeClient.fromKubeconfig({ kubeconfigPath: plane.apiServer.paths.kubeconfig });
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const created = await client.create(clusterClass);
    // What the ClusterClass controller publishes: the inline variables and VariablesReady.
    await client.updateStatus({
      ...created,
      status: {
        observedGeneration: created.metadata.generation,
        conditions: [
          {
            type: 'VariablesReady',
            status: 'True',
            reason: 'VariablesReady',
            message: '',
            lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          },
        ],
        variables: variables.map((v) => ({
          name: v.name,
          definitions: [{ from: 'inline', required: v.required, schema: v.schema }],
        })),
      },
    });
  });
  after(async () => {
    client?.close();
    await plane?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a ClusterClass whose variable schema does not compile', async () => {
    const err = await invalid(
      client.create({
        ...clusterClass,
        metadata: { name: 'broken-vars', namespace: NS },
        spec: {
          ...(clusterClass.spec as object),
          variables: [
            {
              name: 'cpu',
              required: false,
              schema: {
                openAPIV3Schema: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >' }] },
              },
            },
          ],
        },
      }),
    );
    assert.deepEqual(
      err.causes.map((c) => c.field),
      ['spec.variables[cpu].schema.openAPIV3Schema.x-kubernetes-validations[0].rule'],
    );
  });

  it('refuses a value of the wrong type', async () => {
    const err = await invalid(
      client.create(
        cluster('wrong-type', [
          { name: 'proxy', value: { url: 'http://p' } },
          { name: 'region', value: 3 },
        ]),
      ),
    );
    assert.match(
      err.message,
      /spec\.topology\.variables\[region\]\.value: Invalid value: "3": must be of type string: "integer"/,
    );
  });

  it('refuses a Cluster without a required variable, and an object missing a required property', async () => {
    const missing = await invalid(
      client.create(cluster('missing', [{ name: 'region', value: 'us-east-1' }])),
    );
    assert.match(
      missing.message,
      /spec\.topology\.variables: Required value: required variable "proxy" must be set/,
    );
    const partial = await invalid(
      client.create(cluster('partial', [{ name: 'proxy', value: { noProxy: 'localhost' } }])),
    );
    assert.match(partial.message, /spec\.topology\.variables\[proxy\]\.value\.url: Required value/);
  });

  it('refuses a value failing a CEL rule, with the rule in the message', async () => {
    const err = await invalid(
      client.create(
        cluster('cel', [
          { name: 'proxy', value: { url: 'http://p' } },
          { name: 'replicas', value: 0 },
        ]),
      ),
    );
    assert.match(
      err.message,
      /spec\.topology\.variables\[replicas\]\.value: Invalid value: "0": failed rule: self >= 1/,
    );
  });

  it('accepts valid values and refuses an invalid change on update', async () => {
    const created = await client.create(
      cluster('valid', [
        { name: 'proxy', value: { url: 'http://p' } },
        { name: 'region', value: 'us-east-2' },
        { name: 'replicas', value: 3 },
      ]),
    );
    assert.equal(created.metadata.name, 'valid');
    const topology = (created.spec as { topology: { variables: { name: string; value: unknown }[] } })
      .topology;
    const err = await invalid(
      client.update({
        ...created,
        spec: {
          ...(created.spec as object),
          topology: {
            ...topology,
            variables: topology.variables.map((v) =>
              v.name === 'proxy' ? { name: 'proxy', value: { url: 'http://p', extra: true } } : v,
            ),
          },
        },
      }),
    );
    assert.match(
      err.message,
      /spec\.topology\.variables\[proxy\]: Invalid value: .*"extra\\?" field\(s\) are not specified in the variable schema of variable \\?"proxy\\?"/,
    );
  });
});
