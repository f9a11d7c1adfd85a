import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { UsageError } from '../errors.js';
import {
  InvalidTemplateOptionError,
  InvalidTemplateYamlError,
  MissingVariablesError,
  TemplateSyntaxError,
  UnknownFlavorError,
} from './errors.js';
import { substituteVariables } from './envsubst.js';
import { DEFAULT_FLAVOR, flavors } from './flavors.js';
import { generateCluster, listClusterVariables } from './generate-cluster.js';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}

const objects = (yaml: string): Obj[] => parseAllDocuments(yaml).map((d) => d.toJS() as Obj);
const byKind = (objs: Obj[], kind: string): Obj[] => objs.filter((o) => o.kind === kind);
const only = (objs: Obj[], kind: string): Obj => {
  const found = byKind(objs, kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0]!;
};
const named = (objs: Obj[], kind: string, name: string): Obj => {
  const found = objs.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name}`);
  return found;
};
const inMemoryOf = (template: Obj): Record<string, unknown> =>
  (template.spec as { template: { spec: { backend: { inMemory: Record<string, unknown> } } } }).template.spec
    .backend.inMemory;

interface Topology {
  classRef: { name: string; namespace?: string };
  version: string;
  controlPlane: { replicas: number };
  workers: { machineDeployments: { class: string; name: string; replicas: number }[] };
}
const topologyOf = (yaml: string): Topology => only(objects(yaml), 'Cluster').spec?.topology as Topology;

/** Where upstream's in-memory flavor lives when ../shared is checked out beside the repo. */
const UPSTREAM_TEMPLATES = fileURLToPath(
  new URL('../../../../shared/compat/upstream-cluster-api/templates/', import.meta.url),
);
const skipUpstream = existsSync(`${UPSTREAM_TEMPLATES}clusterclass-in-memory.yaml`)
  ? false
  : `upstream's in-memory templates not found under ${UPSTREAM_TEMPLATES} (../shared is absent); not compared`;

describe('generateCluster with the default in-memory flavor (ClusterClass)', () => {
  const generate = (name: string, env: Record<string, string> = {}) =>
    generateCluster({
      name,
      kubernetesVersion: 'v1.34.0',
      controlPlaneMachineCount: 3,
      workerMachineCount: 2,
      targetNamespace: 'team-a',
      env,
    }).yaml;

  it('renders the ClusterClass in-memory and its templates, then a topology Cluster of that class', () => {
    assert.equal(DEFAULT_FLAVOR, 'in-memory');
    const objs = objects(generate('demo'));
    // File order matters to `kubectl apply -f`: the class exists before the Cluster that names it.
    assert.deepEqual(
      objs.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`),
      [
        'infrastructure.cluster.x-k8s.io/v1beta2/DevClusterTemplate/in-memory-cluster',
        'controlplane.cluster.x-k8s.io/v1beta2/KubeadmControlPlaneTemplate/in-memory-control-plane',
        'infrastructure.cluster.x-k8s.io/v1beta2/DevMachineTemplate/in-memory-control-plane',
        'infrastructure.cluster.x-k8s.io/v1beta2/DevMachineTemplate/in-memory-default-worker-machinetemplate',
        'bootstrap.cluster.x-k8s.io/v1beta2/KubeadmConfigTemplate/in-memory-default-worker-bootstraptemplate',
        'cluster.x-k8s.io/v1beta2/ClusterClass/in-memory',
        'cluster.x-k8s.io/v1beta2/Cluster/demo',
      ],
    );
    for (const o of objs) assert.equal(o.metadata.namespace, 'team-a', `${o.kind} namespace`);
    const cluster = only(objs, 'Cluster');
    assert.equal(cluster.spec?.infrastructureRef, undefined);
    assert.equal(cluster.spec?.controlPlaneRef, undefined);
    assert.deepEqual(cluster.spec?.topology, {
      classRef: { name: 'in-memory', namespace: 'team-a' },
      version: 'v1.34.0',
      controlPlane: { replicas: 3 },
      workers: { machineDeployments: [{ class: 'default-worker', name: 'md-0', replicas: 2 }] },
    });
    assert.deepEqual(cluster.spec?.clusterNetwork, {
      services: { cidrBlocks: ['10.128.0.0/12'] },
      pods: { cidrBlocks: ['192.168.0.0/16'] },
      serviceDomain: 'cluster.local',
    });
  });

  it('names in the ClusterClass exactly the templates it renders', () => {
    const objs = objects(generate('demo'));
    type Ref = { apiVersion: string; kind: string; name: string };
    const cc = only(objs, 'ClusterClass').spec as {
      infrastructure: { templateRef: Ref };
      controlPlane: { templateRef: Ref; machineInfrastructure: { templateRef: Ref } };
      workers: {
        machineDeployments: {
          class: string;
          bootstrap: { templateRef: Ref };
          infrastructure: { templateRef: Ref };
        }[];
      };
    };
    const [worker, ...otherWorkers] = cc.workers.machineDeployments;
    assert.equal(worker?.class, 'default-worker');
    assert.deepEqual(otherWorkers, []);
    const refs = [
      cc.infrastructure.templateRef,
      cc.controlPlane.templateRef,
      cc.controlPlane.machineInfrastructure.templateRef,
      worker.infrastructure.templateRef,
      worker.bootstrap.templateRef,
    ];
    assert.deepEqual(
      refs.map((r) => `${r.apiVersion}/${r.kind}/${r.name}`).sort(),
      objs
        .filter((o) => o.kind !== 'ClusterClass' && o.kind !== 'Cluster')
        .map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`)
        .sort(),
    );
  });

  it('renders the class and its templates byte for byte the same for every cluster of a namespace', () => {
    const shared = (yaml: string) => yaml.slice(0, yaml.indexOf('kind: Cluster\n'));
    const first = generate('demo');
    const second = generateCluster({
      name: 'other',
      kubernetesVersion: 'v1.33.1',
      controlPlaneMachineCount: 1,
      workerMachineCount: 5,
      targetNamespace: 'team-a',
      env: { POD_CIDR: '["10.244.0.0/16"]' },
    }).yaml;
    assert.ok(shared(first).includes('kind: ClusterClass\n'));
    assert.equal(shared(second), shared(first));
    assert.doesNotMatch(shared(first), /demo/);
    assert.notEqual(topologyOf(second).version, topologyOf(first).version);
  });

  it('uses instant simulated provisioning for control plane and workers unless overridden', () => {
    for (const [env, vm] of [
      [{}, '0s'],
      [{ IN_MEMORY_VM_STARTUP_DURATION: '10s' }, '10s'],
    ] as const) {
      const objs = objects(generate('demo', env));
      for (const name of ['in-memory-control-plane', 'in-memory-default-worker-machinetemplate']) {
        const inMemory = inMemoryOf(named(objs, 'DevMachineTemplate', name));
        assert.deepEqual(inMemory.vm, { provisioning: { startupDuration: vm } }, name);
        for (const step of ['node', 'etcd', 'apiServer'])
          assert.deepEqual(inMemory[step], { provisioning: { startupDuration: '0s' } }, `${name} ${step}`);
      }
    }
  });

  it(
    "renders upstream's clusterclass-in-memory.yaml and cluster-template-in-memory.yaml, but for startup durations",
    { skip: skipUpstream },
    () => {
      const values: Record<string, string> = {
        CLUSTER_NAME: 'demo',
        NAMESPACE: 'team-a',
        KUBERNETES_VERSION: 'v1.34.0',
        CONTROL_PLANE_MACHINE_COUNT: '3',
        WORKER_MACHINE_COUNT: '2',
      };
      const upstream = ['clusterclass-in-memory.yaml', 'cluster-template-in-memory.yaml'].flatMap((file) =>
        objects(substituteVariables(readFileSync(UPSTREAM_TEMPLATES + file, 'utf8'), (n) => values[n])),
      );
      const ours = objects(generate('demo'));
      assert.deepEqual(
        ours.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
        upstream.map((o) => `${o.kind}/${o.metadata.name}`).sort(),
      );
      const withoutNamespace = (o: Obj) => ({ ...o, metadata: { ...o.metadata, namespace: undefined } });
      for (const up of upstream) {
        const mine = named(ours, up.kind, up.metadata.name);
        if (up.kind === 'DevMachineTemplate') {
          // Upstream simulates 10s for VMs and 2s for the rest with 20 % jitter; ours start at once.
          assert.deepEqual(Object.keys(inMemoryOf(mine)).sort(), Object.keys(inMemoryOf(up)).sort());
          continue;
        }
        assert.deepEqual(withoutNamespace(mine), withoutNamespace(up), `${up.kind} ${up.metadata.name}`);
      }
    },
  );
});

describe('generateCluster with the in-memory-kcp flavor', () => {
  const demo = () =>
    objects(
      generateCluster({
        name: 'demo',
        flavor: 'in-memory-kcp',
        kubernetesVersion: 'v1.34.0',
        controlPlaneMachineCount: 3,
        workerMachineCount: 2,
        targetNamespace: 'team-a',
        env: {},
      }).yaml,
    );

  it('renders a Cluster, its infrastructure, control plane and workers with the requested sizes and version', () => {
    const objs = demo();
    assert.deepEqual(objs.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`).sort(), [
      'bootstrap.cluster.x-k8s.io/v1beta2/KubeadmConfigTemplate/demo-md-0',
      'cluster.x-k8s.io/v1beta2/Cluster/demo',
      'cluster.x-k8s.io/v1beta2/MachineDeployment/demo-md-0',
      'controlplane.cluster.x-k8s.io/v1beta2/KubeadmControlPlane/demo-control-plane',
      'infrastructure.cluster.x-k8s.io/v1beta2/DevCluster/demo',
      'infrastructure.cluster.x-k8s.io/v1beta2/DevMachineTemplate/demo-control-plane',
      'infrastructure.cluster.x-k8s.io/v1beta2/DevMachineTemplate/demo-md-0',
    ]);
    for (const o of objs) assert.equal(o.metadata.namespace, 'team-a', `${o.kind} namespace`);
    const kcp = only(objs, 'KubeadmControlPlane');
    assert.equal(kcp.spec?.replicas, 3);
    assert.equal(kcp.spec?.version, 'v1.34.0');
    const md = only(objs, 'MachineDeployment');
    assert.equal(md.spec?.replicas, 2);
    assert.equal(md.spec?.clusterName, 'demo');
    assert.deepEqual((md.spec?.template as { spec: { version: string } }).spec.version, 'v1.34.0');
    assert.deepEqual(only(objs, 'DevCluster').spec, { backend: { inMemory: {} } });
  });

  it('uses upstream network defaults and instant simulated provisioning unless overridden', () => {
    const cluster = only(demo(), 'Cluster');
    assert.deepEqual(cluster.spec?.clusterNetwork, {
      services: { cidrBlocks: ['10.128.0.0/12'] },
      pods: { cidrBlocks: ['192.168.0.0/16'] },
      serviceDomain: 'cluster.local',
    });
    const slow = objects(
      generateCluster({
        name: 'demo',
        flavor: 'in-memory-kcp',
        kubernetesVersion: 'v1.34.0',
        env: { IN_MEMORY_VM_STARTUP_DURATION: '10s', POD_CIDR: '["10.244.0.0/16"]' },
      }).yaml,
    );
    const inMemory = inMemoryOf(named(slow, 'DevMachineTemplate', 'demo-control-plane'));
    assert.deepEqual(inMemory.vm, { provisioning: { startupDuration: '10s' } });
    assert.deepEqual(inMemory.node, { provisioning: { startupDuration: '0s' } });
    assert.deepEqual((only(slow, 'Cluster').spec?.clusterNetwork as { pods: unknown }).pods, {
      cidrBlocks: ['10.244.0.0/16'],
    });
  });

  it('is listed after the default flavor', () => {
    assert.deepEqual(
      flavors.map((f) => f.name),
      ['in-memory', 'in-memory-kcp'],
    );
  });
});

describe('generateCluster variable precedence', () => {
  const version = (yaml: string) => topologyOf(yaml).version;
  const cpReplicas = (yaml: string) => topologyOf(yaml).controlPlane.replicas;
  const mdReplicas = (yaml: string) => topologyOf(yaml).workers.machineDeployments[0]?.replicas;

  it('takes KUBERNETES_VERSION and the machine counts from the environment when their flags are absent', () => {
    const yaml = generateCluster({
      name: 'demo',
      env: { KUBERNETES_VERSION: 'v1.33.1', CONTROL_PLANE_MACHINE_COUNT: '5', WORKER_MACHINE_COUNT: '4' },
    }).yaml;
    assert.equal(version(yaml), 'v1.33.1');
    assert.equal(cpReplicas(yaml), 5);
    assert.equal(mdReplicas(yaml), 4);
  });

  it('lets flags override the environment, and always overrides CLUSTER_NAME and NAMESPACE', () => {
    const yaml = generateCluster({
      name: 'demo',
      kubernetesVersion: 'v1.34.0',
      controlPlaneMachineCount: 1,
      workerMachineCount: 0,
      env: {
        KUBERNETES_VERSION: 'v1.20.0',
        CONTROL_PLANE_MACHINE_COUNT: '5',
        WORKER_MACHINE_COUNT: '4',
        CLUSTER_NAME: 'other',
        NAMESPACE: 'elsewhere',
      },
    }).yaml;
    assert.equal(version(yaml), 'v1.34.0');
    assert.equal(cpReplicas(yaml), 1);
    assert.equal(mdReplicas(yaml), 0);
    const cluster = only(objects(yaml), 'Cluster');
    assert.equal(cluster.metadata.name, 'demo');
    assert.equal(cluster.metadata.namespace, 'default');
    assert.deepEqual(topologyOf(yaml).classRef, { name: 'in-memory', namespace: 'default' });
  });

  it('defaults to one control plane machine and no workers', () => {
    const yaml = generateCluster({ name: 'demo', kubernetesVersion: 'v1.34.0', env: {} }).yaml;
    assert.equal(cpReplicas(yaml), 1);
    assert.equal(mdReplicas(yaml), 0);
  });

  it('fails naming KUBERNETES_VERSION when neither the flag nor the environment sets it', () => {
    assert.throws(() => generateCluster({ name: 'demo', env: {} }), {
      name: 'MissingVariablesError',
      missing: ['KUBERNETES_VERSION'],
    });
  });
});

describe('generateCluster --from', () => {
  it('renders a custom template with the same variables, and lists everything it misses at once', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: ${CLUSTER_NAME}-settings',
      'data:',
      '  region: ${REGION}',
      '  zone: ${ZONE}',
      '  size: "${WORKER_MACHINE_COUNT}"',
      '',
    ].join('\n');
    assert.throws(
      () => generateCluster({ name: 'demo', from: { text, source: 'custom.yaml' }, env: {} }),
      (err: unknown) => err instanceof MissingVariablesError && err.missing.join() === 'REGION,ZONE',
    );
    const [cm] = objects(
      generateCluster({
        name: 'demo',
        from: { text, source: 'custom.yaml' },
        workerMachineCount: 7,
        targetNamespace: 'ns1',
        env: { REGION: 'eu', ZONE: 'eu-1' },
      }).yaml,
    ) as (Obj & { data: Record<string, string> })[];
    assert.equal(cm?.metadata.name, 'demo-settings');
    // clusterctl moves every namespaced object into the target namespace, even when the template names none.
    assert.equal(cm?.metadata.namespace, 'ns1');
    assert.deepEqual(cm?.data, { region: 'eu', zone: 'eu-1', size: '7' });
  });

  it('refuses --from together with --flavor', () => {
    assert.throws(
      () =>
        generateCluster({
          name: 'demo',
          flavor: 'in-memory',
          from: { text: 'a: 1', source: 'a.yaml' },
          env: {},
        }),
      UsageError,
    );
  });

  it('reports output that is not YAML, and template syntax errors with the source name', () => {
    assert.throws(
      () => generateCluster({ name: 'demo', from: { text: 'a: [${X:=1}\n', source: 'bad.yaml' }, env: {} }),
      (err: unknown) => err instanceof InvalidTemplateYamlError && err.source === 'bad.yaml',
    );
    assert.throws(
      () => generateCluster({ name: 'demo', from: { text: 'a: ${X-1}\n', source: 'bad.yaml' }, env: {} }),
      (err: unknown) => err instanceof TemplateSyntaxError && err.message.startsWith('bad.yaml:1:4:'),
    );
  });
});

describe('generateCluster option validation', () => {
  it('rejects a cluster name that is not a DNS-1123 subdomain, naming the rule', () => {
    assert.throws(
      () => generateCluster({ name: 'My_Cluster', kubernetesVersion: 'v1.34.0', env: {} }),
      (err: unknown) =>
        err instanceof InvalidTemplateOptionError &&
        err.variable === 'CLUSTER_NAME' &&
        /invalid cluster name "My_Cluster": a lowercase RFC 1123 subdomain/.test(err.message),
    );
  });

  it('rejects an unknown flavor, naming the available ones', () => {
    assert.throws(
      () => generateCluster({ name: 'demo', flavor: 'aws', kubernetesVersion: 'v1.34.0', env: {} }),
      (err: unknown) =>
        err instanceof UnknownFlavorError &&
        err.message === 'unknown flavor "aws"; available flavors: in-memory, in-memory-kcp',
    );
  });

  it('rejects a non-semver --kubernetes-version, bad counts and a bad namespace', () => {
    const bad = (options: Partial<Parameters<typeof generateCluster>[0]>, variable: string) =>
      assert.throws(
        () => generateCluster({ name: 'demo', kubernetesVersion: 'v1.34.0', env: {}, ...options }),
        (err: unknown) => err instanceof InvalidTemplateOptionError && err.variable === variable,
      );
    bad({ kubernetesVersion: '1.34' }, 'KUBERNETES_VERSION');
    bad({ controlPlaneMachineCount: 0 }, 'CONTROL_PLANE_MACHINE_COUNT');
    bad({ workerMachineCount: -1 }, 'WORKER_MACHINE_COUNT');
    bad({ env: { WORKER_MACHINE_COUNT: 'three' } }, 'WORKER_MACHINE_COUNT');
    bad({ targetNamespace: 'Team.A' }, 'NAMESPACE');
  });
});

describe('listClusterVariables', () => {
  it('prints required and optional variables as clusterctl does, with the values flags would inject', () => {
    const { text } = listClusterVariables({ name: 'demo', controlPlaneMachineCount: 3, env: {} });
    assert.equal(
      text,
      [
        'Required Variables:',
        '  - KUBERNETES_VERSION',
        '',
        'Optional Variables:',
        '  - CLUSTER_NAME                           (defaults to "demo")',
        '  - CONTROL_PLANE_MACHINE_COUNT            (defaults to "3")',
        '  - IN_MEMORY_API_SERVER_STARTUP_DURATION  (defaults to "0s")',
        '  - IN_MEMORY_ETCD_STARTUP_DURATION        (defaults to "0s")',
        '  - IN_MEMORY_NODE_STARTUP_DURATION        (defaults to "0s")',
        '  - IN_MEMORY_VM_STARTUP_DURATION          (defaults to "0s")',
        '  - NAMESPACE                              (defaults to "default")',
        '  - POD_CIDR                               (defaults to "[\\"192.168.0.0/16\\"]")',
        '  - SERVICE_CIDR                           (defaults to "[\\"10.128.0.0/12\\"]")',
        '  - SERVICE_DOMAIN                         (defaults to "cluster.local")',
        '  - WORKER_MACHINE_COUNT                   (defaults to "0")',
        '',
        '',
      ].join('\n'),
    );
  });

  it('lists the same variables for the in-memory-kcp flavor: the ClusterClass changes no knob', () => {
    const options = { name: 'demo', controlPlaneMachineCount: 3, env: {} };
    assert.equal(
      listClusterVariables({ ...options, flavor: 'in-memory-kcp' }).text,
      listClusterVariables(options).text,
    );
  });

  it('shows KUBERNETES_VERSION as optional once the environment or the flag sets it', () => {
    const fromEnv = listClusterVariables({ name: 'demo', env: { KUBERNETES_VERSION: 'v1.33.1' } });
    assert.deepEqual(
      fromEnv.variables.find((v) => v.name === 'KUBERNETES_VERSION'),
      { name: 'KUBERNETES_VERSION', default: 'v1.33.1' },
    );
    assert.ok(fromEnv.text.startsWith('\nOptional Variables:\n'));
    const fromFlag = listClusterVariables({ name: 'demo', kubernetesVersion: 'v1.34.0', env: {} });
    assert.match(fromFlag.text, /KUBERNETES_VERSION +\(defaults to "v1\.34\.0"\)/);
  });
});
