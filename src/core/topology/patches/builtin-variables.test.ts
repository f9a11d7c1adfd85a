import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Cluster } from '../../api/v1beta2/index.js';
import {
  clusterBuiltins,
  controlPlaneBuiltins,
  machineDeploymentBuiltins,
  machinePoolBuiltins,
} from './builtin-variables.js';

const cluster = (): Cluster => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'Cluster',
  metadata: {
    name: 'c1',
    namespace: 'ns1',
    uid: '1234-abcd',
    labels: { env: 'prod' },
    annotations: {},
  },
  spec: {
    clusterNetwork: {
      services: { cidrBlocks: ['10.128.0.0/12'] },
      pods: { cidrBlocks: ['192.168.0.0/16'] },
      serviceDomain: 'cluster.local',
    },
    topology: { classRef: { name: 'quick-start' }, version: 'v1.31.0' },
  },
});

describe('clusterBuiltins', () => {
  it('exposes name, namespace, uid, labels, topology and network', () => {
    assert.deepEqual(clusterBuiltins(cluster()), {
      name: 'c1',
      namespace: 'ns1',
      uid: '1234-abcd',
      metadata: { labels: { env: 'prod' } },
      topology: {
        version: 'v1.31.0',
        class: 'quick-start',
        classNamespace: 'ns1',
        classRef: { name: 'quick-start', namespace: 'ns1' },
      },
      network: { serviceDomain: 'cluster.local', services: ['10.128.0.0/12'], pods: ['192.168.0.0/16'] },
    });
  });

  it('uses the ClusterClass namespace of the classRef when set', () => {
    const c = cluster();
    c.spec.topology = { classRef: { name: 'shared', namespace: 'classes' }, version: 'v1.31.0' };
    delete c.spec.clusterNetwork;
    const b = clusterBuiltins(c);
    assert.equal(b.topology?.classNamespace, 'classes');
    assert.deepEqual(b.topology?.classRef, { name: 'shared', namespace: 'classes' });
    assert.equal(b.network, undefined);
  });
});

describe('controlPlaneBuiltins', () => {
  it('keeps replicas 0 and omits what is not given', () => {
    assert.deepEqual(controlPlaneBuiltins({ name: 'c1-cp', version: 'v1.31.0', replicas: 0 }), {
      name: 'c1-cp',
      version: 'v1.31.0',
      replicas: 0,
    });
  });

  it('names the machine infrastructure template', () => {
    const b = controlPlaneBuiltins({
      name: 'c1-cp',
      version: 'v1.31.0',
      replicas: 3,
      metadata: { labels: { a: 'b' } },
      infrastructureMachineTemplateName: 'c1-cp-infra',
    });
    assert.deepEqual(b.machineTemplate, { infrastructureRef: { name: 'c1-cp-infra' } });
    assert.deepEqual(b.metadata, { labels: { a: 'b' } });
  });
});

describe('machineDeploymentBuiltins and machinePoolBuiltins', () => {
  it('expose the worker topology with its template names', () => {
    const input = {
      topologyName: 'md-0',
      class: 'default-worker',
      name: 'c1-md-0-x7k2p',
      version: 'v1.30.5',
      replicas: 2,
      bootstrapTemplateName: 'c1-md-0-bootstrap',
      infrastructureTemplateName: 'c1-md-0-infra',
    };
    const expected = {
      version: 'v1.30.5',
      class: 'default-worker',
      name: 'c1-md-0-x7k2p',
      topologyName: 'md-0',
      replicas: 2,
      bootstrap: { configRef: { name: 'c1-md-0-bootstrap' } },
      infrastructureRef: { name: 'c1-md-0-infra' },
    };
    assert.deepEqual(machineDeploymentBuiltins(input), expected);
    assert.deepEqual(machinePoolBuiltins(input), expected);
  });
});
