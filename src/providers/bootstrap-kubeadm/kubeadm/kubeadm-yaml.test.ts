import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { ClusterConfiguration, InitConfiguration, JoinConfiguration } from '../api/index.js';
import {
  clusterConfigurationData,
  isUnsupportedKubernetesVersion,
  marshalClusterConfiguration,
  marshalInitConfiguration,
  marshalJoinConfiguration,
} from './index.js';

// kubeadm reads its configuration with go-yaml, whose scalars follow YAML 1.1; parse the way it does.
type Doc = Record<string, unknown>;
/** The value at a dotted path (`a.b.0.c`) of parsed YAML, or undefined. */
const get = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Doc)[key] : undefined), value);
const read = (yaml: string): Doc => parse(yaml, { version: '1.1' }) as Doc;

const clusterConfiguration: ClusterConfiguration = {
  apiServer: {
    certSANs: ['api.example.com'],
    extraArgs: [
      { name: 'audit-log-maxage', value: '30' },
      { name: 'anonymous-auth', value: 'yes' },
    ],
    extraEnvs: [{ name: 'HTTP_PROXY', value: 'http://proxy:3128' }],
    extraVolumes: [
      { name: 'audit', hostPath: '/var/log/audit', mountPath: '/var/log/audit', readOnly: true },
      {
        name: 'policy',
        hostPath: '/etc/policy',
        mountPath: '/etc/policy',
        readOnly: false,
        pathType: 'Directory',
      },
    ],
  },
  controllerManager: { extraArgs: [{ name: 'bind-address', value: '0.0.0.0' }] },
  scheduler: { extraEnvs: [{ name: 'GODEBUG', value: 'x=1' }] },
  etcd: {
    local: {
      imageTag: '3.5.21-0',
      extraArgs: [{ name: 'quota-backend-bytes', value: '8589934592' }],
      extraEnvs: [{ name: 'ETCD_X', value: '1' }],
      serverCertSANs: ['etcd.local'],
    },
  },
  dns: { imageRepository: 'registry.example.com/coredns', imageTag: 'v1.12.0' },
  certificatesDir: '/etc/kubernetes/pki',
  imageRepository: 'registry.example.com',
  featureGates: { ControlPlaneKubeletLocalMode: true },
  encryptionAlgorithm: 'ECDSA-P256',
  certificateValidityPeriodDays: 365,
  caCertificateValidityPeriodDays: 3650,
};

const data = {
  kubernetesVersion: 'v1.34.1',
  clusterName: 'prod',
  dnsDomain: 'cluster.local',
  serviceSubnet: '10.96.0.0/12',
  podSubnet: '192.168.0.0/16,fd00::/56',
  controlPlaneEndpoint: 'lb.example.com:6443',
  controlPlaneComponentHealthCheckSeconds: 300,
};

describe('marshalClusterConfiguration', () => {
  it('writes kubeadm v1beta4 for v1.34 with list-shaped extraArgs, extraEnvs and durations', () => {
    const doc = read(marshalClusterConfiguration(clusterConfiguration, 'v1.34.1', data));
    assert.equal(doc.apiVersion, 'kubeadm.k8s.io/v1beta4');
    assert.equal(doc.kind, 'ClusterConfiguration');
    assert.equal(doc.kubernetesVersion, 'v1.34.1');
    assert.equal(doc.clusterName, 'prod');
    assert.equal(doc.controlPlaneEndpoint, 'lb.example.com:6443');
    assert.deepEqual(doc.networking, {
      dnsDomain: 'cluster.local',
      serviceSubnet: '10.96.0.0/12',
      podSubnet: '192.168.0.0/16,fd00::/56',
    });
    assert.deepEqual(get(doc, 'apiServer.extraArgs'), [
      { name: 'audit-log-maxage', value: '30' },
      { name: 'anonymous-auth', value: 'yes' },
    ]);
    assert.deepEqual(get(doc, 'apiServer.extraEnvs'), [{ name: 'HTTP_PROXY', value: 'http://proxy:3128' }]);
    assert.deepEqual(get(doc, 'apiServer.certSANs'), ['api.example.com']);
    assert.deepEqual(get(doc, 'apiServer.extraVolumes'), [
      { name: 'audit', hostPath: '/var/log/audit', mountPath: '/var/log/audit', readOnly: true },
      { name: 'policy', hostPath: '/etc/policy', mountPath: '/etc/policy', pathType: 'Directory' },
    ]);
    assert.equal(
      get(doc, 'apiServer.timeoutForControlPlane'),
      undefined,
      'v1beta4 keeps it in InitConfiguration',
    );
    assert.deepEqual(doc.controllerManager, { extraArgs: [{ name: 'bind-address', value: '0.0.0.0' }] });
    assert.deepEqual(doc.scheduler, { extraEnvs: [{ name: 'GODEBUG', value: 'x=1' }] });
    assert.deepEqual(doc.etcd, {
      local: {
        imageTag: '3.5.21-0',
        dataDir: '',
        extraArgs: [{ name: 'quota-backend-bytes', value: '8589934592' }],
        extraEnvs: [{ name: 'ETCD_X', value: '1' }],
        serverCertSANs: ['etcd.local'],
      },
    });
    assert.deepEqual(doc.dns, { imageRepository: 'registry.example.com/coredns', imageTag: 'v1.12.0' });
    assert.deepEqual(doc.proxy, {});
    assert.equal(doc.certificatesDir, '/etc/kubernetes/pki');
    assert.equal(doc.imageRepository, 'registry.example.com');
    assert.deepEqual(doc.featureGates, { ControlPlaneKubeletLocalMode: true });
    assert.equal(doc.encryptionAlgorithm, 'ECDSA-P256');
    assert.equal(doc.certificateValidityPeriod, '8760h0m0s');
    assert.equal(doc.caCertificateValidityPeriod, '87600h0m0s');
  });

  it('writes kubeadm v1beta3 for v1.30: map-shaped extraArgs, v1beta4-only fields dropped, health check timeout on the API server', () => {
    const doc = read(marshalClusterConfiguration(clusterConfiguration, 'v1.30.2', data));
    assert.equal(doc.apiVersion, 'kubeadm.k8s.io/v1beta3');
    assert.deepEqual(get(doc, 'apiServer.extraArgs'), { 'audit-log-maxage': '30', 'anonymous-auth': 'yes' });
    assert.equal(get(doc, 'apiServer.extraEnvs'), undefined);
    assert.equal(get(doc, 'apiServer.timeoutForControlPlane'), '5m0s');
    assert.deepEqual(doc.controllerManager, { extraArgs: { 'bind-address': '0.0.0.0' } });
    assert.deepEqual(doc.scheduler, {});
    assert.deepEqual(get(doc, 'etcd.local.extraArgs'), { 'quota-backend-bytes': '8589934592' });
    assert.equal(get(doc, 'etcd.local.extraEnvs'), undefined);
    for (const field of [
      'proxy',
      'encryptionAlgorithm',
      'certificateValidityPeriod',
      'caCertificateValidityPeriod',
    ]) {
      assert.equal(doc[field], undefined, field);
    }
  });

  it('keeps the last value of a repeated flag in v1beta3, whose map cannot hold both', () => {
    const doc = read(
      marshalClusterConfiguration(
        {
          apiServer: {
            extraArgs: [
              { name: 'v', value: '2' },
              { name: 'v', value: '4' },
            ],
          },
        },
        'v1.29.0',
      ),
    );
    assert.deepEqual(get(doc, 'apiServer.extraArgs'), { v: '4' });
  });

  it('quotes values kubeadm would otherwise read as booleans or numbers', () => {
    const yaml = marshalClusterConfiguration(clusterConfiguration, 'v1.33.0', data);
    const value = get(read(yaml), 'apiServer.extraArgs.1.value');
    assert.equal(value, 'yes');
    assert.equal(typeof value, 'string');
  });

  it('writes the skeleton upstream writes for an empty configuration', () => {
    const doc = read(marshalClusterConfiguration(undefined, 'v1.33.0'));
    assert.deepEqual(doc, {
      apiServer: {},
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      controllerManager: {},
      dns: {},
      etcd: {},
      kind: 'ClusterConfiguration',
      networking: {},
      proxy: {},
      scheduler: {},
    });
  });

  it("prefers the configuration's own controlPlaneEndpoint over the Cluster's", () => {
    const doc = read(marshalClusterConfiguration({ controlPlaneEndpoint: 'own:443' }, 'v1.33.0', data));
    assert.equal(doc.controlPlaneEndpoint, 'own:443');
  });

  it('writes external etcd with all four fields', () => {
    const external = {
      endpoints: ['https://etcd-0:2379'],
      caFile: '/a/ca.crt',
      certFile: '/a/c.crt',
      keyFile: '/a/c.key',
    };
    const doc = read(marshalClusterConfiguration({ etcd: { external } }, 'v1.34.0'));
    assert.deepEqual(doc.etcd, { external });
  });

  it('refuses versions kubeadm v1beta3 does not cover', () => {
    assert.throws(() => marshalClusterConfiguration(undefined, 'v1.21.0'), isUnsupportedKubernetesVersion);
  });
});

describe('clusterConfigurationData', () => {
  it("takes the Cluster's name, network and endpoint, the Machine's version and the init health check timeout", () => {
    const got = clusterConfigurationData({
      cluster: {
        metadata: { name: 'prod', namespace: 'default' },
        spec: {
          clusterNetwork: {
            serviceDomain: 'cluster.local',
            services: { cidrBlocks: ['10.96.0.0/12'] },
            pods: { cidrBlocks: ['192.168.0.0/16', 'fd00::/56'] },
          },
          controlPlaneEndpoint: { host: 'fd00::1', port: 6443 },
        },
      },
      machineVersion: 'v1.34.1',
      initConfiguration: { timeouts: { controlPlaneComponentHealthCheckSeconds: 120 } },
    });
    assert.deepEqual(got, {
      clusterName: 'prod',
      kubernetesVersion: 'v1.34.1',
      dnsDomain: 'cluster.local',
      serviceSubnet: '10.96.0.0/12',
      podSubnet: '192.168.0.0/16,fd00::/56',
      controlPlaneEndpoint: '[fd00::1]:6443',
      controlPlaneComponentHealthCheckSeconds: 120,
    });
  });
});

const nodeRegistration = {
  name: 'cp-0',
  criSocket: 'unix:///run/containerd/containerd.sock',
  kubeletExtraArgs: [{ name: 'max-pods', value: '110' }],
  ignorePreflightErrors: ['NumCPU'],
  imagePullPolicy: 'IfNotPresent' as const,
  imagePullSerial: false,
};

const initConfiguration: InitConfiguration = {
  bootstrapTokens: [
    {
      token: 'abcdef.0123456789abcdef',
      description: 'init',
      ttlSeconds: 900,
      usages: ['signing', 'authentication'],
      groups: ['system:bootstrappers:kubeadm:default-node-token'],
    },
    { token: 'ghijkl.0123456789abcdef', expires: '2030-01-02T03:04:05.000Z' },
  ],
  nodeRegistration,
  localAPIEndpoint: { advertiseAddress: '10.0.0.10', bindPort: 6443 },
  skipPhases: ['addon/kube-proxy'],
  patches: { directory: '/etc/kubeadm/patches' },
  timeouts: { controlPlaneComponentHealthCheckSeconds: 240, kubeletHealthCheckSeconds: 0 },
};

describe('marshalInitConfiguration', () => {
  it('writes bootstrap tokens, node registration, endpoint, phases, patches and timeouts in v1beta4', () => {
    const doc = read(marshalInitConfiguration(initConfiguration, 'v1.33.2'));
    assert.equal(doc.apiVersion, 'kubeadm.k8s.io/v1beta4');
    assert.equal(doc.kind, 'InitConfiguration');
    assert.deepEqual(doc.bootstrapTokens, [
      {
        token: 'abcdef.0123456789abcdef',
        description: 'init',
        ttl: '15m0s',
        usages: ['signing', 'authentication'],
        groups: ['system:bootstrappers:kubeadm:default-node-token'],
      },
      { token: 'ghijkl.0123456789abcdef', expires: '2030-01-02T03:04:05Z' },
    ]);
    assert.deepEqual(doc.nodeRegistration, {
      name: 'cp-0',
      criSocket: 'unix:///run/containerd/containerd.sock',
      taints: null,
      kubeletExtraArgs: [{ name: 'max-pods', value: '110' }],
      ignorePreflightErrors: ['NumCPU'],
      imagePullPolicy: 'IfNotPresent',
      imagePullSerial: false,
    });
    assert.deepEqual(doc.localAPIEndpoint, { advertiseAddress: '10.0.0.10', bindPort: 6443 });
    assert.deepEqual(doc.skipPhases, ['addon/kube-proxy']);
    assert.deepEqual(doc.patches, { directory: '/etc/kubeadm/patches' });
    assert.deepEqual(doc.timeouts, { controlPlaneComponentHealthCheck: '4m0s', kubeletHealthCheck: '0s' });
  });

  it('drops timeouts and imagePullSerial and maps kubelet flags in v1beta3', () => {
    const doc = read(marshalInitConfiguration(initConfiguration, 'v1.28.0'));
    assert.equal(doc.apiVersion, 'kubeadm.k8s.io/v1beta3');
    assert.equal(doc.timeouts, undefined);
    assert.equal(get(doc, 'nodeRegistration.imagePullSerial'), undefined);
    assert.deepEqual(get(doc, 'nodeRegistration.kubeletExtraArgs'), { 'max-pods': '110' });
    assert.equal(get(doc, 'nodeRegistration.imagePullPolicy'), 'IfNotPresent');
  });

  it('tells kubeadm "no taints" with an empty list and "default taints" with null', () => {
    const none = read(marshalInitConfiguration({ nodeRegistration: { taints: [] } }, 'v1.34.0'));
    assert.deepEqual(get(none, 'nodeRegistration.taints'), []);
    const unset = read(marshalInitConfiguration(undefined, 'v1.34.0'));
    assert.deepEqual(unset, {
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      kind: 'InitConfiguration',
      localAPIEndpoint: {},
      nodeRegistration: { taints: null },
    });
    const some = read(
      marshalInitConfiguration(
        { nodeRegistration: { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] } },
        'v1.34.0',
      ),
    );
    assert.deepEqual(get(some, 'nodeRegistration.taints'), [
      { key: 'dedicated', value: 'infra', effect: 'NoSchedule' },
    ]);
  });
});

describe('marshalJoinConfiguration', () => {
  const join: JoinConfiguration = {
    nodeRegistration: { ...nodeRegistration, name: 'cp-1' },
    caCertPath: '/etc/kubernetes/pki/ca.crt',
    discovery: {
      bootstrapToken: {
        token: 'abcdef.0123456789abcdef',
        apiServerEndpoint: 'lb.example.com:6443',
        caCertHashes: ['sha256:0000000000000000000000000000000000000000000000000000000000000000'],
        unsafeSkipCAVerification: false,
      },
      tlsBootstrapToken: 'abcdef.0123456789abcdef',
    },
    controlPlane: { localAPIEndpoint: { advertiseAddress: '10.0.0.11', bindPort: 6443 } },
    skipPhases: ['preflight'],
    patches: { directory: '/etc/kubeadm/patches' },
    timeouts: { tlsBootstrapSeconds: 90, discoverySeconds: 300 },
  };

  it('writes token discovery, the control plane endpoint and timeouts in v1beta4', () => {
    const doc = read(marshalJoinConfiguration(join, 'v1.34.0'));
    assert.equal(doc.apiVersion, 'kubeadm.k8s.io/v1beta4');
    assert.equal(doc.kind, 'JoinConfiguration');
    assert.deepEqual(doc.discovery, {
      bootstrapToken: {
        token: 'abcdef.0123456789abcdef',
        apiServerEndpoint: 'lb.example.com:6443',
        caCertHashes: ['sha256:0000000000000000000000000000000000000000000000000000000000000000'],
      },
      tlsBootstrapToken: 'abcdef.0123456789abcdef',
    });
    assert.deepEqual(doc.controlPlane, {
      localAPIEndpoint: { advertiseAddress: '10.0.0.11', bindPort: 6443 },
    });
    assert.equal(doc.caCertPath, '/etc/kubernetes/pki/ca.crt');
    assert.deepEqual(doc.skipPhases, ['preflight']);
    assert.deepEqual(doc.patches, { directory: '/etc/kubeadm/patches' });
    assert.deepEqual(doc.timeouts, { tlsBootstrap: '1m30s', discovery: '5m0s' });
    assert.equal(get(doc, 'nodeRegistration.name'), 'cp-1');
  });

  it('writes the TLS bootstrap timeout as discovery.timeout in v1beta3', () => {
    const doc = read(marshalJoinConfiguration(join, 'v1.27.3'));
    assert.equal(doc.apiVersion, 'kubeadm.k8s.io/v1beta3');
    assert.equal(get(doc, 'discovery.timeout'), '1m30s');
    assert.equal(doc.timeouts, undefined);
  });

  it('writes unsafeSkipCAVerification only when true, and an empty token when discovery has none yet', () => {
    const doc = read(
      marshalJoinConfiguration(
        { discovery: { bootstrapToken: { unsafeSkipCAVerification: true } } },
        'v1.33.0',
      ),
    );
    assert.deepEqual(doc.discovery, { bootstrapToken: { token: '', unsafeSkipCAVerification: true } });
  });

  it("drops file discovery's generated kubeconfig, which only Cluster API reads", () => {
    const doc = read(
      marshalJoinConfiguration(
        {
          discovery: {
            file: {
              kubeConfigPath: '/etc/kubernetes/discovery.conf',
              kubeConfig: { user: { exec: { command: '/usr/bin/token' } } },
            },
          },
        },
        'v1.33.0',
      ),
    );
    assert.deepEqual(doc.discovery, { file: { kubeConfigPath: '/etc/kubernetes/discovery.conf' } });
  });

  it('writes a worker join without controlPlane and with the skeleton upstream writes', () => {
    const doc = read(marshalJoinConfiguration(undefined, 'v1.33.0'));
    assert.deepEqual(doc, {
      apiVersion: 'kubeadm.k8s.io/v1beta4',
      discovery: {},
      kind: 'JoinConfiguration',
      nodeRegistration: { taints: null },
    });
  });
});
