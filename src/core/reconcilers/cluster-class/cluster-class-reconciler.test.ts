import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { InformerCache } from '../../../controller-runtime/cache/informer-cache.js';
import type { Condition } from '../../../controller-runtime/conditions/index.js';
import { isTerminalError } from '../../../controller-runtime/controller/reconciler.js';
import { FakeClient } from '../../../controller-runtime/helpers/testing/fake-client.js';
import type { FeatureGates } from '../../api/feature-gates.js';
import { ContractResolver } from '../../contract/contract-version.js';
import { ExternalTracker } from '../external-tracker.js';
import { ClusterClassReconciler, ClusterClassType } from './cluster-class-reconciler.js';

const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };
const INFRA = 'infrastructure.cluster.x-k8s.io';
const CP = 'controlplane.cluster.x-k8s.io';

function crd(group: string, plural: string, versions: string[], contract: string): KubeObject {
  return {
    ...CRD,
    metadata: { name: `${plural}.${group}`, labels: { 'cluster.x-k8s.io/v1beta2': contract } },
    spec: { group, versions: versions.map((name) => ({ name, served: true })) },
  };
}

function setup(gates: Partial<FeatureGates> = {}) {
  const client = new FakeClient();
  client.seed(crd(INFRA, 'devclustertemplates', ['v1beta1', 'v1beta2'], 'v1beta1_v1beta2'));
  client.seed(crd(CP, 'kubeadmcontrolplanetemplates', ['v1beta2'], 'v1beta2'));
  client.seed({
    apiVersion: `${INFRA}/v1beta2`,
    kind: 'DevClusterTemplate',
    metadata: { name: 'infra', namespace: 'ns' },
  });
  client.seed({
    apiVersion: `${CP}/v1beta2`,
    kind: 'KubeadmControlPlaneTemplate',
    metadata: { name: 'cp', namespace: 'ns' },
  });
  // The tracker only watches once it has a controller; none here.
  const tracker = new ExternalTracker({} as InformerCache, () => []);
  const reconciler = new ClusterClassReconciler({
    client,
    resolver: new ContractResolver(client),
    tracker,
    featureGates: gates,
  });
  const reconcile = () =>
    reconciler.reconcile(
      { namespace: 'ns', name: 'cc' },
      { log: pino({ level: 'silent' }), reconcileID: 'test', signal: new AbortController().signal },
    );
  return { client, reconcile };
}

function clusterClass(infraVersion: string, patches?: unknown[]): KubeObject {
  return {
    ...ClusterClassType,
    metadata: { name: 'cc', namespace: 'ns' },
    spec: {
      infrastructure: {
        templateRef: { apiVersion: `${INFRA}/${infraVersion}`, kind: 'DevClusterTemplate', name: 'infra' },
      },
      controlPlane: {
        templateRef: { apiVersion: `${CP}/v1beta2`, kind: 'KubeadmControlPlaneTemplate', name: 'cp' },
      },
      variables: [{ name: 'v', required: false, schema: { openAPIV3Schema: { type: 'string' } } }],
      ...(patches ? { patches } : {}),
    },
  };
}

const conditionOf = (obj: KubeObject | undefined, type: string): Condition | undefined =>
  (obj?.status as { conditions?: Condition[] } | undefined)?.conditions?.find((c) => c.type === type);

const EXTERNAL_PATCH = [
  { name: 'ext', external: { generatePatchesExtension: 'gen.ext', discoverVariablesExtension: 'disc.ext' } },
];

describe('ClusterClassReconciler', () => {
  it('reports a reference to an older version of its CRD contract', async () => {
    const { client, reconcile } = setup();
    client.seed(clusterClass('v1beta1'));
    await reconcile();
    const cc = client.peek(ClusterClassType, { namespace: 'ns', name: 'cc' });
    const up = conditionOf(cc, 'RefVersionsUpToDate');
    assert.equal(up?.status, 'False');
    assert.equal(up?.reason, 'RefVersionsNotUpToDate');
    assert.equal(
      up?.message,
      'The following templateRefs are not using the latest apiVersion:\n* DevClusterTemplate infra: current: v1beta1, latest: v1beta2',
    );
    assert.equal(conditionOf(cc, 'VariablesReady')?.status, 'True');
    assert.equal((cc?.status as { observedGeneration?: number }).observedGeneration, 1);
  });

  it('ignores external patches while the RuntimeSDK gate is off, as upstream', async () => {
    const { client, reconcile } = setup({ RuntimeSDK: false });
    client.seed(clusterClass('v1beta2', EXTERNAL_PATCH));
    await reconcile();
    const cc = client.peek(ClusterClassType, { namespace: 'ns', name: 'cc' });
    assert.equal(conditionOf(cc, 'VariablesReady')?.status, 'True');
    assert.equal(conditionOf(cc, 'RefVersionsUpToDate')?.status, 'True');
  });

  it('says variables of external patches cannot be discovered with the RuntimeSDK gate on', async () => {
    const { client, reconcile } = setup({ RuntimeSDK: true });
    client.seed(clusterClass('v1beta2', EXTERNAL_PATCH));
    await assert.rejects(reconcile(), (err) => isTerminalError(err));
    const cc = client.peek(ClusterClassType, { namespace: 'ns', name: 'cc' });
    const ready = conditionOf(cc, 'VariablesReady');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'VariableDiscoveryFailed');
    assert.equal(
      ready?.message,
      'VariableDiscovery failed: failed to call DiscoverVariables for patch ext: Runtime SDK extensions are not supported by capi-ts',
    );
    // Not reconciled: the Cluster webhook must not take these variables as complete.
    assert.equal((cc?.status as { observedGeneration?: number } | undefined)?.observedGeneration, undefined);
    assert.equal((cc?.status as { variables?: unknown } | undefined)?.variables, undefined);
    // The templates are still owned.
    const infra = client.peek(
      { apiVersion: `${INFRA}/v1beta2`, kind: 'DevClusterTemplate' },
      { namespace: 'ns', name: 'infra' },
    );
    assert.equal(infra?.metadata.ownerReferences?.[0]?.kind, 'ClusterClass');
  });
});
