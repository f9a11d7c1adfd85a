import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepClone } from '../../../controller-runtime/util/json.js';
import {
  type AdmissionDeniedError,
  isAdmissionDenied,
} from '../../../controller-runtime/webhook/field-errors.js';
import type { AdmissionRequestInfo } from '../../../controller-runtime/webhook/webhook.js';
import type { FeatureGateOptions } from '../../../core/api/feature-gates.js';
import { controlPlaneKubeadmWebhooks } from './index.js';
import {
  type KubeadmControlPlaneObject,
  kubeadmControlPlaneWebhook,
} from './kubeadm-control-plane-webhook.js';

const request: AdmissionRequestInfo = {
  operation: 'CREATE',
  userInfo: { username: 'admin', groups: [] },
  dryRun: false,
};
const updateRequest: AdmissionRequestInfo = { ...request, operation: 'UPDATE' };

/** A valid, defaulted control plane: three stacked-etcd Machines on Kubernetes v1.30.0. */
function kcp(): KubeadmControlPlaneObject {
  return {
    apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
    kind: 'KubeadmControlPlane',
    metadata: { name: 'cp', namespace: 'default' },
    spec: {
      replicas: 3,
      version: 'v1.30.0',
      machineTemplate: {
        spec: {
          infrastructureRef: {
            apiGroup: 'infrastructure.cluster.x-k8s.io',
            kind: 'DevMachineTemplate',
            name: 'cp',
          },
        },
      },
      kubeadmConfigSpec: {
        clusterConfiguration: {
          controlPlaneEndpoint: 'cp.example.com:6443',
          etcd: { local: { dataDir: '/var/lib/etcd' } },
          dns: { imageTag: 'v1.11.1' },
        },
      },
      rollout: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
    },
  };
}

/** `kcp()` changed by `mutate`. */
function changed(mutate: (k: KubeadmControlPlaneObject) => void): KubeadmControlPlaneObject {
  const k = kcp();
  mutate(k);
  return k;
}

async function denial(fn: () => unknown): Promise<{ error: AdmissionDeniedError; causes: string[] }> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isAdmissionDenied(err), `expected an admission denial, got ${String(err)}`);
    return { error: err, causes: err.causes.map((c) => `${c.field}: ${c.detail}`) };
  }
  assert.fail('expected the request to be denied');
}

/** apimachinery's message for a label key (or its name part) that is not a qualified name. */
const NAME_PART_ERR =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

const webhook = (options: FeatureGateOptions = {}) => kubeadmControlPlaneWebhook(options);
const create = (k: KubeadmControlPlaneObject, options?: FeatureGateOptions) =>
  webhook(options).validator?.validateCreate?.(k, request);
const update = (oldK: KubeadmControlPlaneObject, newK: KubeadmControlPlaneObject) =>
  webhook().validator?.validateUpdate?.(oldK, newK, updateRequest);

describe('KubeadmControlPlane defaulting', () => {
  it('registers both kinds, with a defaulter only for KubeadmControlPlane', () => {
    assert.deepEqual(
      controlPlaneKubeadmWebhooks().map((r) => [r.type.kind, r.resource, Boolean(r.defaulter)]),
      [
        ['KubeadmControlPlane', 'kubeadmcontrolplanes', true],
        ['KubeadmControlPlaneTemplate', 'kubeadmcontrolplanetemplates', false],
      ],
    );
  });

  it('defaults one replica, the v prefix and the RollingUpdate strategy with maxSurge 1', async () => {
    const k = changed((k) => {
      delete k.spec.replicas;
      k.spec.version = '1.31.2';
      delete k.spec.rollout;
    });
    await webhook().defaulter?.default(k, request);
    assert.equal(k.spec.replicas, 1);
    assert.equal(k.spec.version, 'v1.31.2');
    assert.deepEqual(k.spec.rollout, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } });
  });

  it('keeps what the user set: replicas, maxSurge 0 and other rollout fields', async () => {
    const k = changed((k) => {
      k.spec.replicas = 5;
      k.spec.rollout = {
        before: { certificatesExpiryDays: 21 },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0 } },
      };
    });
    await webhook().defaulter?.default(k, request);
    assert.equal(k.spec.replicas, 5);
    assert.equal(k.spec.version, 'v1.30.0');
    assert.deepEqual(k.spec.rollout, {
      before: { certificatesExpiryDays: 21 },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0 } },
    });
  });

  it('does not add defaults to the embedded KubeadmConfigSpec (upstream stopped in v1.11)', async () => {
    const k = kcp();
    const before = deepClone(k.spec.kubeadmConfigSpec);
    await webhook().defaulter?.default(k, request);
    assert.deepEqual(k.spec.kubeadmConfigSpec, before);
  });
});

describe('KubeadmControlPlane validation on create', () => {
  it('accepts a valid control plane', async () => {
    await create(kcp());
  });

  it('denies an even replica count with stacked etcd', async () => {
    const { error, causes } = await denial(() => create(changed((k) => (k.spec.replicas = 2))));
    assert.deepEqual(causes, ['spec.replicas: Forbidden: cannot be an even number when etcd is stacked']);
    assert.equal(error.code, 422);
    assert.equal(
      error.message,
      'KubeadmControlPlane.cluster.x-k8s.io "cp" is invalid: spec.replicas: Forbidden: cannot be an even number when etcd is stacked',
    );
  });

  it('allows an even replica count with external etcd', async () => {
    await create(
      changed((k) => {
        k.spec.replicas = 2;
        k.spec.kubeadmConfigSpec = {
          clusterConfiguration: {
            etcd: {
              external: {
                endpoints: ['https://etcd:2379'],
                caFile: '/ca',
                certFile: '/crt',
                keyFile: '/key',
              },
            },
          },
        };
      }),
    );
  });

  it('denies zero replicas twice over: not positive, and even', async () => {
    const { causes } = await denial(() => create(changed((k) => (k.spec.replicas = 0))));
    assert.deepEqual(causes, [
      'spec.replicas: Forbidden: cannot be less than or equal to 0',
      'spec.replicas: Forbidden: cannot be an even number when etcd is stacked',
    ]);
  });

  it('wants a version with a v prefix that is valid semver', async () => {
    assert.deepEqual((await denial(() => create(changed((k) => (k.spec.version = '1.30.0'))))).causes, [
      'spec.version: Invalid value: "1.30.0": must start with v',
    ]);
    assert.deepEqual((await denial(() => create(changed((k) => (k.spec.version = 'v1.30'))))).causes, [
      'spec.version: Invalid value: "v1.30": must be a valid semantic version',
    ]);
  });

  it('allows maxSurge 0 (scale in first) only with at least three replicas, and nothing but 0 or 1', async () => {
    const surge = (replicas: number, maxSurge: number | string) =>
      changed((k) => {
        k.spec.replicas = replicas;
        k.spec.rollout = { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge } } };
      });
    await create(surge(3, 0));
    assert.deepEqual((await denial(() => create(surge(1, 0)))).causes, [
      'spec.rollout.strategy.rollingUpdate: Required value: when KubeadmControlPlane is configured to scale-in, replica count needs to be at least 3',
    ]);
    assert.deepEqual((await denial(() => create(surge(3, 2)))).causes, [
      'spec.rollout.strategy.rollingUpdate.maxSurge: Required value: value must be 1 or 0',
    ]);
    // intstr.IntValue() reads a percentage as 0, so "50%" counts as scale-in.
    assert.deepEqual((await denial(() => create(surge(1, '50%')))).causes, [
      'spec.rollout.strategy.rollingUpdate: Required value: when KubeadmControlPlane is configured to scale-in, replica count needs to be at least 3',
    ]);
  });

  it('checks certificate validity against the CA and the early rollout window', async () => {
    const { causes } = await denial(() =>
      create(
        changed((k) => {
          k.spec.kubeadmConfigSpec = {
            clusterConfiguration: {
              caCertificateValidityPeriodDays: 300,
              certificateValidityPeriodDays: 365,
            },
          };
          k.spec.rollout = { before: { certificatesExpiryDays: 400 }, strategy: { type: 'RollingUpdate' } };
        }),
      ),
    );
    assert.deepEqual(causes, [
      'spec.kubeadmConfigSpec.clusterConfiguration.certificateValidityPeriodDays: Invalid value: 365: must be less than or equal to caCertificateValidityPeriodDays (300)',
      'spec.rollout.before.certificatesExpiryDays: Invalid value: 400: must be less than certificateValidityPeriodDays (365)',
    ]);
  });

  it("reports an empty infrastructure reference under upstream's machineTemplate.infrastructure path", async () => {
    const { causes } = await denial(() =>
      create(
        changed(
          (k) => (k.spec.machineTemplate.spec.infrastructureRef = { apiGroup: '', kind: 'X', name: '' }),
        ),
      ),
    );
    assert.deepEqual(causes, [
      'spec.machineTemplate.infrastructure.apiGroup: Invalid value: "": cannot be empty',
      'spec.machineTemplate.infrastructure.name: Invalid value: "": cannot be empty',
    ]);
  });

  it('requires init and join control plane health check timeouts to agree', async () => {
    const { causes } = await denial(() =>
      create(
        changed((k) => {
          k.spec.kubeadmConfigSpec = {
            initConfiguration: { timeouts: { controlPlaneComponentHealthCheckSeconds: 30 } },
          };
        }),
      ),
    );
    const detail =
      'controlPlaneComponentHealthCheckSeconds must be set to the same value both in initConfiguration.timeouts (30) and in joinConfiguration.timeouts (unset)';
    assert.deepEqual(causes, [
      `spec.kubeadmConfigSpec.initConfiguration.timeouts.controlPlaneComponentHealthCheckSeconds: Invalid value: "30": ${detail}`,
      `spec.kubeadmConfigSpec.joinConfiguration.timeouts.controlPlaneComponentHealthCheckSeconds: Invalid value: "unset": ${detail}`,
    ]);
  });

  it('runs the KubeadmConfigSpec rules under spec.kubeadmConfigSpec', async () => {
    const { causes } = await denial(() =>
      create(changed((k) => (k.spec.kubeadmConfigSpec = { format: 'ignition' }))),
    );
    assert.deepEqual(causes, [
      'spec.kubeadmConfigSpec.format: Forbidden: can be set only if the KubeadmBootstrapFormatIgnition feature gate is enabled',
    ]);
  });

  it("checks image tags, and reports an unparsable CoreDNS tag at upstream's unprefixed dns.imageTag", async () => {
    const { causes } = await denial(() =>
      create(
        changed((k) => {
          k.spec.kubeadmConfigSpec = {
            clusterConfiguration: { dns: { imageTag: 'v1.8.0@x' }, etcd: { local: { imageTag: '3.5:1' } } },
          };
        }),
      ),
    );
    assert.deepEqual(causes, [
      'spec.kubeadmConfigSpec.clusterConfiguration.dns.imageTag: Forbidden: tag v1.8.0@x is invalid',
      'dns.imageTag: Invalid value: "v1.8.0@x": failed to parse CoreDNS version: Invalid character(s) found in patch number "0@x"',
      'spec.kubeadmConfigSpec.clusterConfiguration.etcd.local.imageTag: Forbidden: tag 3.5:1 is invalid',
    ]);
  });

  it('denies local and external etcd together', async () => {
    const { causes } = await denial(() =>
      create(
        changed((k) => {
          k.spec.kubeadmConfigSpec = {
            clusterConfiguration: {
              etcd: {
                local: { dataDir: '/var/lib/etcd' },
                external: {
                  endpoints: ['https://etcd:2379'],
                  caFile: '/ca',
                  certFile: '/crt',
                  keyFile: '/key',
                },
              },
            },
          };
        }),
      ),
    );
    assert.deepEqual(causes, [
      'spec.kubeadmConfigSpec.clusterConfiguration.etcd.local: Forbidden: cannot have both external and local etcd',
    ]);
  });

  it('validates the Machine name template', async () => {
    const naming = async (template: string) =>
      (await denial(() => create(changed((k) => (k.spec.machineNaming = { template }))))).causes;
    await create(
      changed((k) => (k.spec.machineNaming = { template: '{{ .cluster.name }}-cp-{{ .random }}' })),
    );
    assert.deepEqual(await naming('{{ .kubeadmControlPlane.name }}'), [
      'spec.machineNaming.template: Invalid value: "{{ .kubeadmControlPlane.name }}": invalid template, {{ .random }} is missing',
    ]);
    assert.deepEqual(await naming('{{ .machineSet.name }}-{{ .random }}'), [
      'spec.machineNaming.template: Invalid value: "{{ .machineSet.name }}-{{ .random }}": invalid template: rendering template: template: template name generator:1:14: executing "template name generator" at <.machineSet.name>: map has no entry for key "machineSet"',
    ]);
    // Functions and pipelines Go may accept are left to the controller, not denied.
    await create(
      changed((k) => (k.spec.machineNaming = { template: '{{ printf "%s" .cluster.name }}-{{ .random }}' })),
    );
    const [upper] = await naming('CP-{{ .random }}');
    assert.match(
      upper ?? '',
      /^spec\.machineNaming\.template: Invalid value: "CP-\{\{ \.random \}\}": invalid template, generated names would not be valid Kubernetes object names: a lowercase RFC 1123 subdomain must consist of/,
    );
  });

  it('forbids Machine taints unless MachineTaintPropagation is on, and reserved keys always', async () => {
    const tainted = changed((k) => {
      k.spec.machineTemplate.spec.taints = [
        { key: 'example.com/dedicated', effect: 'NoSchedule', propagation: 'Always' },
        { key: 'node.cluster.x-k8s.io/uninitialized', effect: 'NoSchedule', propagation: 'Always' },
      ];
    });
    assert.deepEqual((await denial(() => create(tainted))).causes, [
      'spec.machineTemplate.spec.taints: Forbidden: taints are not allowed to be set when the feature gate MachineTaintPropagation is disabled',
      'spec.machineTemplate.spec.taints[1].key: Invalid value: "node.cluster.x-k8s.io/uninitialized": taint key is not allowed',
    ]);
    assert.deepEqual(
      (await denial(() => create(tainted, { featureGates: { MachineTaintPropagation: true } }))).causes,
      [
        'spec.machineTemplate.spec.taints[1].key: Invalid value: "node.cluster.x-k8s.io/uninitialized": taint key is not allowed',
      ],
    );
  });

  it('wants taint keys to be valid label keys', async () => {
    const tainted = changed((k) => {
      k.spec.machineTemplate.spec.taints = [
        { key: 'dedicated to', effect: 'NoSchedule', propagation: 'Always' },
      ];
    });
    assert.deepEqual(
      (await denial(() => create(tainted, { featureGates: { MachineTaintPropagation: true } }))).causes,
      [`spec.machineTemplate.spec.taints[0].key: Invalid value: "dedicated to": ${NAME_PART_ERR}`],
    );
  });

  it('validates the labels and annotations the control plane Machines get', async () => {
    const labelled = changed((k) => {
      k.spec.machineTemplate.metadata = {
        labels: { 'team name': 'a', ok: 'fine' },
        annotations: { 'example.com/ok': 'x', '-note': 'y' },
      };
    });
    assert.deepEqual((await denial(() => create(labelled))).causes, [
      `spec.machineTemplate.metadata.labels: Invalid value: "team name": ${NAME_PART_ERR}`,
      `spec.machineTemplate.metadata.annotations: Invalid value: "-note": ${NAME_PART_ERR}`,
    ]);
    assert.deepEqual((await denial(() => update(kcp(), labelled))).causes, [
      `spec.machineTemplate.metadata.labels: Invalid value: "team name": ${NAME_PART_ERR}`,
      `spec.machineTemplate.metadata.annotations: Invalid value: "-note": ${NAME_PART_ERR}`,
    ]);
  });
});

describe('KubeadmControlPlane validation on update', () => {
  it('forbids skipping a minor version', async () => {
    const { causes, error } = await denial(() =>
      update(
        kcp(),
        changed((k) => (k.spec.version = 'v1.32.0')),
      ),
    );
    assert.deepEqual(causes, [
      'spec.version: Forbidden: cannot update Kubernetes version from v1.30.0 to v1.32.0',
    ]);
    assert.equal(error.causes[0]?.type, 'FieldValueForbidden');
  });

  it('allows any patch of the next minor, and (like upstream) does not police downgrades', async () => {
    await update(
      kcp(),
      changed((k) => (k.spec.version = 'v1.31.9')),
    );
    await update(
      kcp(),
      changed((k) => (k.spec.version = 'v1.29.0')),
    );
  });

  it('accepts changes to the allowed paths', async () => {
    const next = changed((k) => {
      k.metadata.labels = { team: 'platform' };
      k.spec.replicas = 5;
      k.spec.version = 'v1.31.0';
      k.spec.machineTemplate.spec.infrastructureRef.name = 'cp-v2';
      k.spec.machineTemplate.metadata = { labels: { tier: 'control-plane' } };
      k.spec.remediation = { maxRetry: 3, retryPeriodSeconds: 60 };
      k.spec.machineNaming = { template: '{{ .kubeadmControlPlane.name }}-{{ .random }}' };
      const cc = k.spec.kubeadmConfigSpec?.clusterConfiguration;
      if (cc) {
        cc.apiServer = { extraArgs: [{ name: 'audit-log-maxage', value: '30' }] };
        cc.featureGates = { SomeGate: true };
        cc.imageRepository = 'registry.example.com';
        cc.etcd = { local: { dataDir: '/data/etcd', imageTag: '3.5.15-0' } };
      }
      k.spec.kubeadmConfigSpec = {
        ...k.spec.kubeadmConfigSpec,
        files: [{ path: '/etc/motd', content: 'hi' }],
        preKubeadmCommands: ['echo pre'],
        joinConfiguration: { nodeRegistration: { name: '{{ ds.meta_data.hostname }}' } },
      };
    });
    await update(kcp(), next);
  });

  it('forbids changes outside the allow-list, one cause per path', async () => {
    const { causes } = await denial(() =>
      update(
        kcp(),
        changed((k) => {
          const cc = k.spec.kubeadmConfigSpec?.clusterConfiguration;
          if (cc) {
            cc.controlPlaneEndpoint = 'other.example.com:6443';
            cc.certificatesDir = '/etc/pki';
          }
        }),
      ),
    );
    assert.deepEqual(causes, [
      'spec.kubeadmConfigSpec.clusterConfiguration.controlPlaneEndpoint: Forbidden: cannot be modified',
      'spec.kubeadmConfigSpec.clusterConfiguration.certificatesDir: Forbidden: cannot be modified',
    ]);
  });

  it('forbids switching between local and external etcd', async () => {
    const { causes } = await denial(() =>
      update(
        kcp(),
        changed((k) => {
          const cc = k.spec.kubeadmConfigSpec?.clusterConfiguration;
          if (cc)
            cc.etcd = {
              external: {
                endpoints: ['https://etcd:2379'],
                caFile: '/ca',
                certFile: '/crt',
                keyFile: '/key',
              },
            };
        }),
      ),
    );
    assert.deepEqual(causes, [
      'spec.kubeadmConfigSpec.clusterConfiguration.etcd.external: Forbidden: cannot change between external and local etcd',
    ]);
  });

  it('allows only CoreDNS changes the Corefile migration knows, unless KCP skips CoreDNS', async () => {
    const dns = (tag: string, annotations?: Record<string, string>) =>
      changed((k) => {
        if (annotations) k.metadata.annotations = annotations;
        const cc = k.spec.kubeadmConfigSpec?.clusterConfiguration;
        if (cc) cc.dns = { imageTag: tag };
      });
    await update(kcp(), dns('v1.12.0'));
    await update(kcp(), dns('v1.11.1_build.1'));
    assert.deepEqual((await denial(() => update(kcp(), dns('v1.10.1')))).causes, [
      "spec.kubeadmConfigSpec.clusterConfiguration.dns.imageTag: Forbidden: cannot migrate CoreDNS up to '1.10.1' from '1.11.1': cannot migrate up to '1.10.1' from '1.11.1'",
    ]);
    assert.deepEqual((await denial(() => update(dns('1.0.0'), dns('1.11.1')))).causes, [
      "spec.kubeadmConfigSpec.clusterConfiguration.dns.imageTag: Forbidden: cannot migrate CoreDNS up to '1.11.1' from '1.0.0': start version '1.0.0' not supported",
    ]);
    await update(kcp(), dns('v1.10.1', { 'controlplane.cluster.x-k8s.io/skip-coredns': '' }));
  });

  it('still applies the create rules to the new object', async () => {
    const { causes } = await denial(() =>
      update(
        kcp(),
        changed((k) => (k.spec.replicas = 4)),
      ),
    );
    assert.deepEqual(causes, ['spec.replicas: Forbidden: cannot be an even number when etcd is stacked']);
  });

  it('does not modify the objects it judges', async () => {
    const oldK = kcp();
    const newK = changed((k) => (k.spec.version = 'v1.31.0'));
    const snapshot = deepClone([oldK, newK]);
    await update(oldK, newK);
    assert.deepEqual([oldK, newK], snapshot);
  });
});
