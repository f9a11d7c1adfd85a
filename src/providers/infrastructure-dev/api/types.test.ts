import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  API_VERSION,
  type DevCluster,
  devClusterCrd,
  type DevClusterTemplate,
  devClusterTemplateCrd,
  type DevMachine,
  devMachineCrd,
  DevMachineInMemoryConditionType,
  type DevMachineTemplate,
  devMachineTemplateCrd,
  InMemoryProviderIDPrefix,
} from './index.js';

describe('infrastructure.cluster.x-k8s.io/v1beta2 dev types', () => {
  it('accepts a typical in-memory DevCluster and DevMachine', () => {
    const cluster: DevCluster = {
      apiVersion: API_VERSION,
      kind: 'DevCluster',
      metadata: { name: 'dev', namespace: 'default', labels: { 'cluster.x-k8s.io/cluster-name': 'dev' } },
      spec: { backend: { inMemory: {} }, controlPlaneEndpoint: { host: '127.0.0.1', port: 20000 } },
      status: { initialization: { provisioned: true } },
    };
    const machine: DevMachine = {
      apiVersion: API_VERSION,
      kind: 'DevMachine',
      metadata: { name: 'dev-cp-0', namespace: 'default' },
      spec: {
        providerID: `${InMemoryProviderIDPrefix}dev-cp-0`,
        backend: {
          inMemory: {
            vm: { provisioning: { startupDuration: '10s', startupJitter: '0.2' } },
            node: { provisioning: { startupDuration: '2s' } },
            etcd: { provisioning: { startupDuration: '2s' } },
            apiServer: { provisioning: { startupDuration: '2s' } },
          },
        },
      },
      status: {
        addresses: [{ type: 'InternalIP', address: '10.0.0.1' }],
        conditions: [
          {
            type: DevMachineInMemoryConditionType.VMProvisioned,
            status: 'True',
            reason: 'Provisioned',
            message: '',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
      },
    };
    assert.equal(cluster.spec?.controlPlaneEndpoint?.port, 20000);
    assert.equal(machine.spec?.providerID, 'in-memory://dev-cp-0');

    const noDuration: DevMachine = {
      // @ts-expect-error startupDuration is required once provisioning is given
      spec: { backend: { inMemory: { vm: { provisioning: { startupJitter: '0.2' } } } } },
    };
    const wrongAddress: DevMachine = {
      // @ts-expect-error address types are the five of clusterv1.MachineAddress
      status: { addresses: [{ type: 'PublicIP', address: '1.2.3.4' }] },
    };
    assert.ok(noDuration && wrongAddress);
  });

  it('accepts docker-backed templates', () => {
    const clusterTemplate: DevClusterTemplate = {
      spec: {
        template: {
          spec: {
            backend: {
              docker: {
                loadBalancer: { imageRepository: 'kindest', imageTag: 'v20230606-42a2262b' },
                failureDomains: [{ name: 'fd1', controlPlane: true }],
              },
            },
          },
        },
      },
    };
    const machineTemplate: DevMachineTemplate = {
      spec: {
        template: {
          metadata: { labels: { pool: 'a' } },
          spec: {
            backend: {
              docker: {
                extraMounts: [{ containerPath: '/var/run/docker.sock', hostPath: '/var/run/docker.sock' }],
                bootstrapTimeout: '5m',
              },
            },
          },
        },
      },
      status: { capacity: { cpu: 2, memory: '4Gi' } },
    };
    assert.equal(clusterTemplate.spec?.template.spec.backend.docker?.failureDomains?.[0]?.name, 'fd1');
    assert.equal(machineTemplate.status?.capacity?.memory, '4Gi');
    // @ts-expect-error the template's spec (and its backend) is required
    const missing: DevMachineTemplate = { spec: { template: { metadata: { labels: { a: 'b' } } } } };
    assert.ok(missing);
  });

  it('labels every CRD with the v1beta2 contract so Cluster API accepts the kinds', () => {
    const crds = [devClusterCrd(), devClusterTemplateCrd(), devMachineCrd(), devMachineTemplateCrd()];
    for (const crd of crds) {
      assert.equal(crd.metadata.labels?.['cluster.x-k8s.io/v1beta2'], 'v1beta2', crd.metadata.name);
      assert.deepEqual(crd.spec.names.categories, ['cluster-api'], crd.metadata.name);
    }
  });

  it('offers both backends in the schema', () => {
    for (const crd of [devClusterCrd(), devMachineCrd()]) {
      const backend = crd.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec?.properties?.backend;
      assert.deepEqual(
        Object.keys(backend?.properties ?? {}).sort(),
        ['docker', 'inMemory'],
        crd.metadata.name,
      );
    }
  });
});
