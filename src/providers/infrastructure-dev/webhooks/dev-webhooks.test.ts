import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepClone } from '../../../controller-runtime/util/json.js';
import { isAdmissionDenied } from '../../../controller-runtime/webhook/field-errors.js';
import type { AdmissionRequestInfo } from '../../../controller-runtime/webhook/webhook.js';
import { type DevClusterTemplateObject, devClusterTemplateWebhook } from './dev-cluster-template-webhook.js';
import { type DevClusterObject, devClusterWebhook } from './dev-cluster-webhook.js';
import { type DevMachineTemplateObject, devMachineTemplateWebhook } from './dev-machine-template-webhook.js';
import { type DevMachineObject, devMachineWebhook } from './dev-machine-webhook.js';
import { infrastructureDevWebhooks } from './index.js';

const request: AdmissionRequestInfo = {
  operation: 'CREATE',
  userInfo: { username: 'admin', groups: [] },
  dryRun: false,
};
const updateRequest: AdmissionRequestInfo = { ...request, operation: 'UPDATE' };
const meta = (name: string) => ({ name, namespace: 'default' });
const apiVersion = 'infrastructure.cluster.x-k8s.io/v1beta2';
/** apimachinery's message for a label key (or its name part) that is not a qualified name. */
const NAME_PART_ERR =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

async function causesOf(fn: () => unknown): Promise<string[]> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isAdmissionDenied(err), `expected an admission denial, got ${String(err)}`);
    return err.causes.map((c) => `${c.field}: ${c.detail}`);
  }
  assert.fail('expected the request to be denied');
}

describe('dev provider webhooks', () => {
  it('registers the four kinds with defaulters and validators', () => {
    assert.deepEqual(
      infrastructureDevWebhooks().map((r) => [r.type.apiVersion, r.type.kind, r.resource]),
      [
        [apiVersion, 'DevCluster', 'devclusters'],
        [apiVersion, 'DevClusterTemplate', 'devclustertemplates'],
        [apiVersion, 'DevMachine', 'devmachines'],
        [apiVersion, 'DevMachineTemplate', 'devmachinetemplates'],
      ],
    );
    assert.ok(infrastructureDevWebhooks().every((r) => r.defaulter && r.validator));
  });

  describe('DevCluster', () => {
    const cluster = (spec: DevClusterObject['spec']): DevClusterObject => ({
      apiVersion,
      kind: 'DevCluster',
      metadata: meta('c1'),
      spec,
    });

    it('defaults the docker backend, its API server port and failure domain flags', async () => {
      const c = cluster({ backend: {} });
      await devClusterWebhook().defaulter?.default(c, request);
      assert.deepEqual(c.spec, { backend: { docker: {} }, controlPlaneEndpoint: { port: 6443 } });

      const withDomains = cluster({
        backend: { docker: { failureDomains: [{ name: 'a' }, { name: 'b', controlPlane: true }] } },
        controlPlaneEndpoint: { host: '172.18.0.3' },
      });
      await devClusterWebhook().defaulter?.default(withDomains, request);
      assert.deepEqual(withDomains.spec, {
        backend: {
          docker: {
            failureDomains: [
              { name: 'a', controlPlane: false },
              { name: 'b', controlPlane: true },
            ],
          },
        },
        controlPlaneEndpoint: { host: '172.18.0.3', port: 6443 },
      });
    });

    it('leaves an in-memory cluster alone', async () => {
      const c = cluster({ backend: { inMemory: {} } });
      await devClusterWebhook().defaulter?.default(c, request);
      assert.deepEqual(c.spec, { backend: { inMemory: {} } });
    });

    it('wants docker failure domains sorted by name', async () => {
      const domains = [{ name: 'zone-b' }, { name: 'zone-a' }];
      const causes = await causesOf(() =>
        devClusterWebhook().validator?.validateCreate?.(
          cluster({ backend: { docker: { failureDomains: domains } } }),
          request,
        ),
      );
      assert.deepEqual(causes, [
        `spec.backend.docker.failureDomains: Invalid value: ${JSON.stringify(domains)}: failure domains must be sorted by name`,
      ]);
      await devClusterWebhook().validator?.validateCreate?.(
        cluster({ backend: { docker: { failureDomains: [...domains].reverse() } } }),
        request,
      );
    });
  });

  describe('DevClusterTemplate', () => {
    const template = (
      spec: NonNullable<DevClusterTemplateObject['spec']>['template']['spec'],
    ): DevClusterTemplateObject => ({
      apiVersion,
      kind: 'DevClusterTemplate',
      metadata: meta('dct'),
      spec: { template: { spec } },
    });

    it('is created only with the ClusterTopology gate, which is on unless turned off', async () => {
      await assert.rejects(
        async () =>
          devClusterTemplateWebhook({ featureGates: { ClusterTopology: false } }).validator?.validateCreate?.(
            template({ backend: { inMemory: {} } }),
            request,
          ),
        (err: unknown) =>
          isAdmissionDenied(err) &&
          err.code === 403 &&
          err.message === 'spec: Forbidden: can be set only if the ClusterTopology feature flag is enabled',
      );
      await devClusterTemplateWebhook().validator?.validateCreate?.(
        template({ backend: { inMemory: {} } }),
        request,
      );
    });

    it('validates the labels and annotations of the DevClusters it creates, on create', async () => {
      const t = template({ backend: { inMemory: {} } });
      (t.spec ?? { template: { spec: { backend: {} } } }).template.metadata = {
        annotations: { 'bad key': 'x' },
      };
      const causes = await causesOf(() =>
        devClusterTemplateWebhook().validator?.validateCreate?.(t, request),
      );
      assert.deepEqual(causes, [
        `spec.template.metadata.annotations: Invalid value: "bad key": ${NAME_PART_ERR}`,
      ]);
    });

    it('defaults the embedded spec like a DevCluster', async () => {
      const t = template({ backend: {} });
      await devClusterTemplateWebhook().defaulter?.default(t, request);
      assert.deepEqual(t.spec?.template.spec, {
        backend: { docker: {} },
        controlPlaneEndpoint: { port: 6443 },
      });
    });

    it('is immutable, but an object stored before defaulting equals its defaulted self', async () => {
      await devClusterTemplateWebhook().validator?.validateUpdate?.(
        template({ backend: {} }),
        template({ backend: { docker: {} }, controlPlaneEndpoint: { port: 6443 } }),
        updateRequest,
      );
      const causes = await causesOf(() =>
        devClusterTemplateWebhook().validator?.validateUpdate?.(
          template({ backend: { docker: {} } }),
          template({ backend: { docker: { loadBalancer: { imageTag: 'v2' } } } }),
          updateRequest,
        ),
      );
      assert.equal(causes.length, 1);
      assert.ok(
        causes[0]?.endsWith(
          'DevClusterTemplate spec.template.spec field is immutable. Please create a new resource instead. Diff: + backend.docker.loadBalancer: {"imageTag":"v2"}',
        ),
        causes[0],
      );
    });
  });

  describe('DevMachine', () => {
    const machine = (spec: DevMachineObject['spec']): DevMachineObject => ({
      apiVersion,
      kind: 'DevMachine',
      metadata: meta('m1'),
      spec,
    });

    it('defaults the docker backend only when none is chosen', async () => {
      const m = machine({ backend: {} });
      await devMachineWebhook().defaulter?.default(m, request);
      assert.deepEqual(m.spec, { backend: { docker: {} } });
      const inMemory = machine({ backend: { inMemory: {} } });
      await devMachineWebhook().defaulter?.default(inMemory, request);
      assert.deepEqual(inMemory.spec, { backend: { inMemory: {} } });
    });

    it('forbids changing the custom image of a docker machine, and nothing else', async () => {
      const causes = await causesOf(() =>
        devMachineWebhook().validator?.validateUpdate?.(
          machine({ backend: { docker: { customImage: 'kindest/node:v1.30.0' } } }),
          machine({ backend: { docker: { customImage: 'kindest/node:v1.31.0' } } }),
          updateRequest,
        ),
      );
      assert.deepEqual(causes, ['spec.backend.docker.customImage: Forbidden: cannot be modified']);
      await devMachineWebhook().validator?.validateUpdate?.(
        machine({ backend: { docker: {} } }),
        machine({ backend: { docker: { preLoadImages: ['busybox'] } }, providerID: 'docker:////m1' }),
        updateRequest,
      );
    });
  });

  describe('DevMachineTemplate', () => {
    const template = (
      customImage: string,
      annotations?: Record<string, string>,
    ): DevMachineTemplateObject => ({
      apiVersion,
      kind: 'DevMachineTemplate',
      metadata: { ...meta('dmt'), ...(annotations ? { annotations } : {}) },
      spec: { template: { spec: { backend: { docker: { customImage } } } } },
    });

    it('defaults the embedded spec like a DevMachine', async () => {
      const t: DevMachineTemplateObject = { ...template('x'), spec: { template: { spec: { backend: {} } } } };
      await devMachineTemplateWebhook().defaulter?.default(t, request);
      assert.deepEqual(t.spec?.template.spec, { backend: { docker: {} } });
    });

    it('is immutable in spec.template.spec, naming the change', async () => {
      const causes = await causesOf(() =>
        devMachineTemplateWebhook().validator?.validateUpdate?.(template('a'), template('b'), updateRequest),
      );
      assert.equal(causes.length, 1);
      assert.ok(causes[0]?.startsWith('spec.template.spec: Invalid value: {'), causes[0]);
      assert.ok(
        causes[0]?.endsWith(
          'DevMachineTemplate spec.template.spec field is immutable. Please create a new resource instead. Diff: ' +
            '- backend.docker.customImage: "a"\n+ backend.docker.customImage: "b"',
        ),
        causes[0],
      );
    });

    it('validates the labels and annotations of the DevMachines it creates, even in topology dry-runs', async () => {
      const labelled = template('a', { 'topology.cluster.x-k8s.io/dry-run': '' });
      (labelled.spec ?? { template: { spec: { backend: {} } } }).template.metadata = {
        labels: { 'pool name': 'a' },
      };
      const expected = [`spec.template.metadata.labels: Invalid value: "pool name": ${NAME_PART_ERR}`];
      const validator = devMachineTemplateWebhook().validator;
      assert.deepEqual(await causesOf(() => validator?.validateCreate?.(labelled, request)), expected);
      assert.deepEqual(
        await causesOf(() =>
          validator?.validateUpdate?.(template('a'), labelled, { ...updateRequest, dryRun: true }),
        ),
        expected,
      );
    });

    it('lets topology dry-runs through, and metadata changes always', async () => {
      const dryRun = { 'topology.cluster.x-k8s.io/dry-run': '' };
      await devMachineTemplateWebhook().validator?.validateUpdate?.(template('a'), template('b', dryRun), {
        ...updateRequest,
        dryRun: true,
      });
      const relabelled = template('a');
      relabelled.metadata.labels = { team: 'x' };
      const snapshot = deepClone(relabelled);
      await devMachineTemplateWebhook().validator?.validateUpdate?.(template('a'), relabelled, updateRequest);
      assert.deepEqual(relabelled, snapshot);
    });
  });
});
