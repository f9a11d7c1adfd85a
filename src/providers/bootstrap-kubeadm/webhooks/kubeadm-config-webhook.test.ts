import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AdmissionDeniedError,
  isAdmissionDenied,
} from '../../../controller-runtime/webhook/field-errors.js';
import type { AdmissionRequestInfo } from '../../../controller-runtime/webhook/webhook.js';
import type { KubeadmConfigSpec } from '../api/kubeadm-config-spec-types.js';
import { bootstrapKubeadmWebhooks } from './index.js';
import { type KubeadmConfigObject, kubeadmConfigWebhook } from './kubeadm-config-webhook.js';

const request: AdmissionRequestInfo = {
  operation: 'CREATE',
  userInfo: { username: 'admin', groups: [] },
  dryRun: false,
};

const config = (spec: KubeadmConfigSpec): KubeadmConfigObject => ({
  apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmConfig',
  metadata: { name: 'worker-0', namespace: 'default' },
  spec,
});

/** Runs `fn` and returns the denial's causes as `field: detail` lines; fails when nothing is denied. */
async function denial(fn: () => unknown): Promise<{ error: AdmissionDeniedError; causes: string[] }> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isAdmissionDenied(err), `expected an admission denial, got ${String(err)}`);
    return { error: err, causes: err.causes.map((c) => `${c.field}: ${c.detail}`) };
  }
  assert.fail('expected the request to be denied');
}

const create = (spec: KubeadmConfigSpec, ignition = false) =>
  kubeadmConfigWebhook({
    featureGates: { KubeadmBootstrapFormatIgnition: ignition },
  }).validator?.validateCreate?.(config(spec), request);

describe('KubeadmConfig webhook', () => {
  it('registers KubeadmConfig and KubeadmConfigTemplate, validating both and defaulting only the template', () => {
    const registrations = bootstrapKubeadmWebhooks();
    assert.deepEqual(
      registrations.map((r) => [r.type.kind, r.resource, Boolean(r.defaulter), Boolean(r.validator)]),
      [
        ['KubeadmConfig', 'kubeadmconfigs', false, true],
        ['KubeadmConfigTemplate', 'kubeadmconfigtemplates', true, true],
      ],
    );
  });

  it('accepts a typical worker config', async () => {
    await create({
      joinConfiguration: { discovery: { bootstrapToken: { token: 'abcdef.0123456789abcdef' } } },
      files: [
        { path: '/etc/motd', content: 'hello' },
        { path: '/etc/secret', contentFrom: { secret: { name: 's', key: 'k' } } },
      ],
      users: [{ name: 'capi', passwdFrom: { secret: { name: 'pw', key: 'hash' } } }],
    });
  });

  it('denies a file with both content and contentFrom, naming the file', async () => {
    const file = { path: '/etc/a', content: 'x', contentFrom: { secret: { name: 's', key: 'k' } } };
    const { error, causes } = await denial(() => create({ files: [file] }));
    assert.deepEqual(causes, [
      `spec.files[0]: Invalid value: ${JSON.stringify(file)}: only one of content or contentFrom may be specified for a single file`,
    ]);
    assert.equal(error.code, 422);
    assert.match(
      error.message,
      /^KubeadmConfig\.bootstrap\.cluster\.x-k8s\.io "worker-0" is invalid: spec\.files\[0\]: /,
    );
  });

  it('denies two files with the same path at the second one', async () => {
    const { causes } = await denial(() =>
      create({
        files: [
          { path: '/etc/a', content: '1' },
          { path: '/etc/b', content: '2' },
          { path: '/etc/a', content: '3' },
        ],
      }),
    );
    assert.deepEqual(causes, [
      'spec.files[2].path: Invalid value: {"path":"/etc/a","content":"3"}: path property must be unique among all files',
    ]);
  });

  it('requires the secret name and key of contentFrom and passwdFrom', async () => {
    const { causes } = await denial(() =>
      create({
        files: [{ path: '/etc/a', contentFrom: { secret: { name: '', key: 'k' } } }],
        users: [{ name: 'u', passwdFrom: { secret: { name: 'n', key: '' } } }],
      }),
    );
    assert.deepEqual(causes, [
      'spec.files[0].contentFrom.secret.name: Required value: secret file source must specify non-empty secret name',
      'spec.users[0].passwdFrom.secret.key: Required value: secret file source must specify non-empty secret key',
    ]);
  });

  it('denies a user with both passwd and passwdFrom', async () => {
    const user = { name: 'u', passwd: 'hash', passwdFrom: { secret: { name: 'n', key: 'k' } } };
    const { causes } = await denial(() => create({ users: [user] }));
    assert.deepEqual(causes, [
      `spec.users[0]: Invalid value: ${JSON.stringify(user)}: only one of passwd or passwdFrom may be specified for a single user`,
    ]);
  });

  it('forbids ignition while the KubeadmBootstrapFormatIgnition gate is off (the default)', async () => {
    const { causes } = await denial(() =>
      create({ format: 'ignition', ignition: { containerLinuxConfig: { additionalConfig: 'x' } } }),
    );
    assert.deepEqual(causes, [
      'spec.format: Forbidden: can be set only if the KubeadmBootstrapFormatIgnition feature gate is enabled',
      'spec.ignition: Forbidden: can be set only if the KubeadmBootstrapFormatIgnition feature gate is enabled',
    ]);
    await create({ format: 'cloud-config' });
  });

  it('with the gate on, wants format ignition whenever spec.ignition is set', async () => {
    const { causes } = await denial(() =>
      create({ ignition: { containerLinuxConfig: { strict: true } } }, true),
    );
    assert.deepEqual(causes, [
      'spec.format: Invalid value: "": must be set to "ignition" if spec.ignition is set',
    ]);
  });

  it('with the gate on and format ignition, forbids what Ignition cannot do', async () => {
    const { causes } = await denial(() =>
      create(
        {
          format: 'ignition',
          users: [{ name: 'u', inactive: true }],
          files: [{ path: '/a', content: 'x', encoding: 'gzip' }],
          bootCommands: ['echo hi'],
          diskSetup: {
            partitions: [{ device: '/dev/sdb', layout: true, tableType: 'mbr' }],
            filesystems: [{ device: '/dev/sdb1', filesystem: 'ext4', replaceFS: 'ntfs', partition: 'auto' }],
          },
        },
        true,
      ),
    );
    assert.deepEqual(causes, [
      'spec.users[0].inactive: Forbidden: not supported when spec.format is set to: "ignition"',
      'spec.files[0].encoding: Forbidden: not supported when spec.format is set to: "ignition"',
      'spec.bootCommands: Forbidden: not supported when spec.format is set to: "ignition"',
      'spec.diskSetup.partitions[0].tableType: Invalid value: "mbr": only partition type "gpt" is supported when spec.format is set to "ignition"',
      'spec.diskSetup.filesystems[0].replaceFS: Forbidden: not supported when spec.format is set to: "ignition"',
      'spec.diskSetup.filesystems[0].partition: Forbidden: not supported when spec.format is set to: "ignition"',
    ]);
  });

  it('denies a disk layout above 100 percent', async () => {
    const { causes } = await denial(() =>
      create({
        diskSetup: {
          partitions: [
            {
              device: '/dev/sdb',
              diskLayout: [{ percentage: 60 }, { percentage: 50, partitionType: 'LinuxSwap' }],
            },
          ],
        },
      }),
    );
    assert.deepEqual(causes, [
      'spec.diskSetup.partitions[0].diskLayout: Invalid value: 110: the sum of all partition percentages must not be greater than 100',
    ]);
  });

  it("denies a discovery kubeconfig user with both authProvider and exec, with upstream's path spelling", async () => {
    const user = { authProvider: { name: 'gcp' }, exec: { command: '/bin/login' } };
    const { causes } = await denial(() =>
      create({ joinConfiguration: { discovery: { file: { kubeConfigPath: '/k', kubeConfig: { user } } } } }),
    );
    assert.deepEqual(causes, [
      `spec.joinConfiguration.discovery.file.kubeconfig.user: Invalid value: ${JSON.stringify(user)}: only one of authProvider or exec must be defined`,
    ]);
  });

  it('does not require init and join timeouts to agree on a KubeadmConfig (only the control plane)', async () => {
    await create({
      initConfiguration: { timeouts: { controlPlaneComponentHealthCheckSeconds: 10 } },
      joinConfiguration: { timeouts: { controlPlaneComponentHealthCheckSeconds: 20 } },
    });
  });

  it('validates updates by the new object alone', async () => {
    const webhook = kubeadmConfigWebhook();
    const bad = config({
      files: [
        { path: '/a', content: 'x' },
        { path: '/a', content: 'y' },
      ],
    });
    const { causes } = await denial(() =>
      webhook.validator?.validateUpdate?.(bad, bad, { ...request, operation: 'UPDATE' }),
    );
    assert.equal(causes.length, 1);
  });
});
