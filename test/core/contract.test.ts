import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { FakeClient } from '../../src/controller-runtime/helpers/testing/fake-client.js';
import { clusterApiCrds } from '../../src/main/crds.js';
import {
  BootstrapConfig,
  ControlPlane,
  InfraCluster,
  InfraMachine,
} from '../../src/core/contract/accessors.js';
import {
  ContractResolver,
  isUnsupportedContract,
  resolveFromCrd,
} from '../../src/core/contract/contract-version.js';
import { calculateCrdName, pluralOfKind } from '../../src/core/contract/crd-name.js';
import { getExternal } from '../../src/core/contract/external.js';
import { ContractFieldError } from '../../src/core/contract/paths.js';

const obj = (fields: Record<string, unknown>): KubeObject => ({
  apiVersion: 'infrastructure.example.com/v1',
  kind: 'ExampleMachine',
  metadata: { name: 'm', namespace: 'ns' },
  ...fields,
});

describe('contract: CRD names', () => {
  it('pluralises kinds the way CalculateCRDName does', () => {
    assert.equal(
      calculateCrdName('infrastructure.cluster.x-k8s.io', 'DevMachine'),
      'devmachines.infrastructure.cluster.x-k8s.io',
    );
    assert.equal(pluralOfKind('KubeadmControlPlane'), 'kubeadmcontrolplanes');
    assert.equal(pluralOfKind('ExampleProxy'), 'exampleproxies');
    assert.equal(pluralOfKind('VSphereMachineClass'), 'vspheremachineclasses');
    assert.equal(pluralOfKind('AzureManagedControlPlaneGateway'), 'azuremanagedcontrolplanegateways');
    assert.equal(pluralOfKind('Box'), 'boxes');
  });

  it('our provider CRDs are named so core finds them', () => {
    for (const crd of clusterApiCrds()) {
      const spec = (crd as { spec: { group: string; names: { kind: string } } }).spec;
      assert.equal(calculateCrdName(spec.group, spec.names.kind), crd.metadata.name);
    }
  });
});

describe('contract: version resolution', () => {
  const crd = (labels: Record<string, string>, versions = ['v1beta1', 'v1beta2']): KubeObject => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'examplemachines.infrastructure.example.com', labels, resourceVersion: '1' },
    spec: { group: 'infrastructure.example.com', versions: versions.map((name) => ({ name, served: true })) },
  });
  const ref = { apiGroup: 'infrastructure.example.com', kind: 'ExampleMachine' };

  it('takes the newest served version of the newest supported contract', () => {
    assert.deepEqual(resolveFromCrd(crd({ 'cluster.x-k8s.io/v1beta2': 'v1beta1_v1beta2' }), ref), {
      apiVersion: 'infrastructure.example.com/v1beta2',
      contract: 'v1beta2',
    });
    assert.deepEqual(
      resolveFromCrd(crd({ 'cluster.x-k8s.io/v1beta1': 'v1alpha4_v1beta1' }, ['v1beta1']), ref),
      {
        apiVersion: 'infrastructure.example.com/v1beta1',
        contract: 'v1beta1',
      },
    );
    // A version the label names but the CRD no longer serves is skipped.
    assert.deepEqual(
      resolveFromCrd(crd({ 'cluster.x-k8s.io/v1beta2': 'v1beta1_v1beta3' }), ref).apiVersion,
      'infrastructure.example.com/v1beta1',
    );
  });

  it('refuses a CRD without a contract label, saying what is missing', () => {
    assert.throws(
      () => resolveFromCrd(crd({}), ref),
      (err: unknown) =>
        isUnsupportedContract(err) &&
        /cluster.x-k8s.io\/v1beta2 or cluster.x-k8s.io\/v1beta1 label/.test((err as Error).message),
    );
  });

  it('resolves through the API, and reads the referenced object', async () => {
    const client = new FakeClient();
    for (const c of clusterApiCrds()) client.seed(c as unknown as KubeObject);
    client.seed({
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
      kind: 'DevMachine',
      metadata: { name: 'dm', namespace: 'ns' },
      spec: { providerID: 'in-memory://dm' },
      status: { initialization: { provisioned: true } },
    });
    const resolver = new ContractResolver(client);
    const external = await getExternal(client, resolver, 'ns', {
      apiGroup: 'infrastructure.cluster.x-k8s.io',
      kind: 'DevMachine',
      name: 'dm',
    });
    assert.equal(external?.contract, 'v1beta2');
    assert.equal(InfraMachine.providerID(external.object), 'in-memory://dm');
    assert.equal(InfraMachine.provisioned(external.object, external.contract), true);
    assert.equal(
      await getExternal(client, resolver, 'ns', {
        apiGroup: 'infrastructure.cluster.x-k8s.io',
        kind: 'DevMachine',
        name: 'gone',
      }),
      undefined,
    );
    await assert.rejects(
      resolver.resolve({ apiGroup: 'infrastructure.example.com', kind: 'Nope' }),
      (err: unknown) =>
        isUnsupportedContract(err) && /is its provider installed/.test((err as Error).message),
    );
  });
});

describe('contract: accessors per contract version', () => {
  it('InfraCluster: provisioned, endpoint, failure domains (list or v1beta1 map)', () => {
    const v2 = obj({
      spec: { controlPlaneEndpoint: { host: '10.0.0.1', port: 6443 } },
      status: {
        initialization: { provisioned: true },
        failureDomains: [{ name: 'b' }, { name: 'a', controlPlane: true }],
      },
    });
    assert.equal(InfraCluster.provisioned(v2, 'v1beta2'), true);
    assert.deepEqual(InfraCluster.controlPlaneEndpoint(v2), { host: '10.0.0.1', port: 6443 });
    assert.deepEqual(
      InfraCluster.failureDomains(v2, 'v1beta2')?.map((f) => f.name),
      ['a', 'b'],
    );
    const v1 = obj({ status: { ready: true, failureDomains: { z: { controlPlane: true }, y: {} } } });
    assert.equal(InfraCluster.provisioned(v1, 'v1beta1'), true);
    assert.equal(InfraCluster.provisioned(v1, 'v1beta2'), false);
    assert.deepEqual(InfraCluster.failureDomains(v1, 'v1beta1'), [
      { name: 'y' },
      { name: 'z', controlPlane: true },
    ]);
    assert.equal(
      InfraCluster.controlPlaneEndpoint(obj({ spec: { controlPlaneEndpoint: { host: '', port: 0 } } })),
      undefined,
    );
  });

  it('InfraMachine, BootstrapConfig and ControlPlane fields', () => {
    const m = obj({
      spec: { providerID: 'aws:///i-1' },
      status: { addresses: [{ type: 'InternalIP', address: '10.0.0.2' }], failureDomain: 'a' },
    });
    assert.equal(InfraMachine.failureDomain(m), 'a');
    assert.deepEqual(InfraMachine.addresses(m), [{ type: 'InternalIP', address: '10.0.0.2' }]);
    assert.equal(InfraMachine.interruptible(m), false);
    assert.equal(InfraMachine.interruptible(obj({ status: { interruptible: true } })), true);
    assert.throws(
      () => InfraMachine.interruptible(obj({ status: { interruptible: 'yes' } })),
      ContractFieldError,
    );
    const b = obj({ status: { initialization: { dataSecretCreated: true }, dataSecretName: 'm-data' } });
    assert.equal(BootstrapConfig.dataSecretCreated(b, 'v1beta2'), true);
    assert.equal(BootstrapConfig.dataSecretName(b), 'm-data');
    assert.equal(BootstrapConfig.dataSecretCreated(obj({ status: { ready: true } }), 'v1beta1'), true);
    const cp = obj({
      spec: {
        replicas: 3,
        version: 'v1.33.1',
        machineTemplate: { spec: { infrastructureRef: { apiGroup: 'g', kind: 'K', name: 'n' } } },
      },
      status: {
        initialization: { controlPlaneInitialized: true },
        replicas: 3,
        readyReplicas: 2,
        availableReplicas: 2,
        upToDateReplicas: 3,
        versions: [{ version: 'v1.32.5' }, { version: 'v1.33.1' }],
      },
    });
    assert.equal(ControlPlane.initialized(cp, 'v1beta2'), true);
    assert.equal(ControlPlane.replicas(cp), 3);
    assert.equal(ControlPlane.availableReplicas(cp, 'v1beta2'), 2);
    assert.equal(ControlPlane.statusVersion(cp), 'v1.32.5');
    assert.deepEqual(ControlPlane.machineInfrastructureRef(cp, 'v1beta2'), {
      apiGroup: 'g',
      kind: 'K',
      name: 'n',
    });
    assert.equal(ControlPlane.initialized(obj({ status: { initialized: true } }), 'v1beta1'), true);
  });

  it('a field of the wrong type is an error naming the object and the field', () => {
    assert.throws(
      () => InfraMachine.provisioned(obj({ status: { initialization: { provisioned: 'yes' } } }), 'v1beta2'),
      (err: unknown) =>
        err instanceof ContractFieldError &&
        /ExampleMachine ns\/m: status.initialization.provisioned must be a boolean/.test(
          (err as Error).message,
        ),
    );
  });
});
