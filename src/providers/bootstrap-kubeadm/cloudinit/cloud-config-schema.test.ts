// cloud-init as the independent judge of the bootstrap data: what we render must be what cloud-init accepts.
// The `## template: jinja` header is handled the way cloud-init handles it at boot (rendered with cloud-init's
// own Jinja handler and sample instance data) before `cloud-init schema` validates; see test-helpers.ts for
// why `cloud-init schema` cannot take the file as is.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import type { KubeadmConfigSpec } from '../api/index.js';
import {
  marshalClusterConfiguration,
  marshalInitConfiguration,
  marshalJoinConfiguration,
} from '../kubeadm/index.js';
import {
  certificateFiles,
  type CloudConfigInput,
  renderControlPlaneInitCloudConfig,
  renderControlPlaneJoinCloudConfig,
  renderWorkerJoinCloudConfig,
  resolveFiles,
  resolveUsers,
} from './index.js';
import { cloudInitSkip, SAMPLE_CERTIFICATES, validateWithCloudInit } from './test-helpers.js';

type Doc = Record<string, unknown>;
/** The value at a dotted path (`a.b.0.c`) of parsed YAML, or undefined. */
const get = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Doc)[key] : undefined), value);

/** Validates with cloud-init; returns the document cloud-init parses and whether Jinja was really rendered. */
async function assertValid(userData: string): Promise<Doc & { jinjaRendered: boolean }> {
  const verdict = await validateWithCloudInit(userData);
  assert.ok(
    verdict.valid,
    `cloud-init schema rejected the user data (${verdict.jinja}):\n${verdict.output}\n${verdict.rendered}`,
  );
  const doc = parse(verdict.rendered, { version: '1.1' }) as Doc;
  return { ...doc, jinjaRendered: verdict.jinja === 'rendered by cloud-init' };
}

const kubeadmFile = (doc: Doc, path: string): Doc[] => {
  const file = (doc.write_files as Doc[]).find((f) => f.path === path);
  assert.ok(file, `no ${path}`);
  return parseAllDocuments(file.content as string, { version: '1.1' }).map((d) => d.toJS() as Doc);
};

/** A KubeadmConfigSpec with every section cloud-init sees filled in. */
const everySection: KubeadmConfigSpec = {
  files: [
    { path: '/etc/plain.conf', content: 'key: value\n', owner: 'root:root', permissions: '0644' },
    { path: '/etc/appended', content: 'more\n', append: true },
    { path: '/etc/b64', content: Buffer.from('hello\n').toString('base64'), encoding: 'base64' },
    {
      path: '/etc/gz',
      content: gzipSync('compressed\n').toString('base64'),
      encoding: 'gzip+base64',
      permissions: '0600',
    },
    { path: '/etc/from-secret', contentFrom: { secret: { name: 'extra', key: 'config' } } },
    {
      path: '/usr/local/bin/fetch-kubeadm.sh',
      contentFormat: 'Template',
      content:
        '#!/bin/sh\ncurl -fsSLO https://dl.k8s.io/release/{{ .controlPlane.version }}/bin/linux/amd64/kubeadm\n',
      permissions: '0755',
    },
  ],
  users: [
    {
      // `inactive` is left out: upstream writes it as a boolean for cloudbase-init, which cloud-init's schema
      // flags (it wants a string of days); cloud-config.test.ts covers how it is written.
      name: 'capi',
      gecos: 'Cluster API admin',
      groups: 'adm,sudo',
      homeDir: '/home/capi',
      shell: '/bin/bash',
      passwdFrom: { secret: { name: 'capi-password', key: 'hash' } },
      primaryGroup: 'capi',
      lockPassword: false,
      sudo: 'ALL=(ALL) NOPASSWD:ALL',
      sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLE capi@example'],
    },
    { name: 'ops', lockPassword: true },
  ],
  ntp: { enabled: true, servers: ['0.pool.ntp.org', 'time.example.com'] },
  diskSetup: {
    partitions: [
      {
        device: '/dev/sdb',
        tableType: 'mbr',
        overwrite: false,
        diskLayout: [
          { percentage: 75, partitionType: 'Linux' },
          { percentage: 25, partitionType: 'LinuxSwap' },
        ],
      },
      { device: '/dev/sdc', layout: true, tableType: 'gpt' },
    ],
    filesystems: [
      // `partition: auto`: cloud-init 22.4's schema only lists auto/any/none although cloud-init takes numbers.
      {
        device: '/dev/sdb',
        partition: 'auto',
        filesystem: 'ext4',
        label: 'etcd',
        extraOpts: ['-E', 'nodiscard'],
      },
      {
        device: '/dev/sdc',
        partition: 'any',
        filesystem: 'xfs',
        overwrite: false,
        replaceFS: 'ntfs',
        label: 'data',
      },
    ],
  },
  mounts: [
    ['LABEL=etcd', '/var/lib/etcddisk', 'auto', 'defaults,nofail', '0', '2'],
    ['LABEL=data', '/var/lib/data'],
  ],
  bootCommands: ['cloud-init-per once hostname-set hostnamectl set-hostname "{{ v1.local_hostname }}"'],
  preKubeadmCommands: ['swapoff -a', 'echo "{{ ds.meta_data.hostname }}" > /etc/hostname'],
  postKubeadmCommands: ['kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes || true'],
  verbosity: 5,
};

const secrets: Record<string, string> = {
  'extra/config': 'from a secret\n',
  'capi-password/hash': '$6$rounds=4096$saltsalt$c2VjcmV0aGFzaA',
};

/** What a controller hands the renderer for `everySection`: Secrets read, templates rendered. */
function everySectionInput(): CloudConfigInput {
  const secretValue = ({ name, key }: { name: string; key: string }) => secrets[`${name}/${key}`];
  return {
    ...everySection,
    files: resolveFiles(everySection.files, { secretValue, controlPlaneVersion: 'v1.34.1' }),
    users: resolveUsers(everySection.users, { secretValue }),
  };
}

describe('cloud-init accepts the bootstrap data', { skip: cloudInitSkip }, () => {
  it('of the first control plane machine (v1.34, kubeadm v1beta4)', async () => {
    const version = 'v1.34.0';
    const doc = await assertValid(
      renderControlPlaneInitCloudConfig({
        kubeadmClusterConfiguration: marshalClusterConfiguration({}, version, {
          clusterName: 'prod',
          kubernetesVersion: version,
        }),
        kubeadmInitConfiguration: marshalInitConfiguration({}, version),
        certificates: certificateFiles(SAMPLE_CERTIFICATES),
      }),
    );
    const [cluster, init] = kubeadmFile(doc, '/run/kubeadm/kubeadm.yaml');
    assert.equal(cluster?.apiVersion, 'kubeadm.k8s.io/v1beta4');
    assert.equal(init?.apiVersion, 'kubeadm.k8s.io/v1beta4');
  });

  it('of a control plane machine joining (v1.33, kubeadm v1beta4)', async () => {
    const doc = await assertValid(
      renderControlPlaneJoinCloudConfig({
        kubeadmJoinConfiguration: marshalJoinConfiguration(
          {
            controlPlane: { localAPIEndpoint: { advertiseAddress: '10.0.0.11', bindPort: 6443 } },
            discovery: {
              bootstrapToken: {
                token: 'abcdef.0123456789abcdef',
                apiServerEndpoint: 'lb.example.com:6443',
                caCertHashes: ['sha256:0000000000000000000000000000000000000000000000000000000000000000'],
              },
            },
          },
          'v1.33.4',
        ),
        certificates: certificateFiles(SAMPLE_CERTIFICATES),
      }),
    );
    const [join] = kubeadmFile(doc, '/run/kubeadm/kubeadm-join-config.yaml');
    assert.equal(join?.apiVersion, 'kubeadm.k8s.io/v1beta4');
    assert.ok(join?.controlPlane);
  });

  it('of a worker on an older Kubernetes (v1.30, kubeadm v1beta3)', async () => {
    const doc = await assertValid(
      renderWorkerJoinCloudConfig({
        kubeadmJoinConfiguration: marshalJoinConfiguration(
          {
            nodeRegistration: {
              taints: [{ key: 'node.cluster.x-k8s.io/uninitialized', effect: 'NoSchedule' }],
            },
            discovery: {
              bootstrapToken: { token: 'abcdef.0123456789abcdef', unsafeSkipCAVerification: true },
            },
          },
          'v1.30.5',
        ),
      }),
    );
    const [join] = kubeadmFile(doc, '/run/kubeadm/kubeadm-join-config.yaml');
    assert.equal(join?.apiVersion, 'kubeadm.k8s.io/v1beta3');
  });

  it('with every optional section filled, for init, control plane join and worker join', async () => {
    const version = 'v1.34.1';
    const input = everySectionInput();
    const kinds = {
      init: renderControlPlaneInitCloudConfig({
        ...input,
        kubeadmClusterConfiguration: marshalClusterConfiguration({}, version, { clusterName: 'prod' }),
        kubeadmInitConfiguration: marshalInitConfiguration({}, version),
        certificates: certificateFiles(SAMPLE_CERTIFICATES),
      }),
      controlPlaneJoin: renderControlPlaneJoinCloudConfig({
        ...input,
        kubeadmJoinConfiguration: marshalJoinConfiguration({ controlPlane: {} }, version),
        certificates: certificateFiles(SAMPLE_CERTIFICATES),
      }),
      workerJoin: renderWorkerJoinCloudConfig({
        ...input,
        kubeadmJoinConfiguration: marshalJoinConfiguration({}, version),
      }),
    };
    for (const [kind, userData] of Object.entries(kinds)) {
      const doc = await assertValid(userData);
      for (const key of [
        'write_files',
        'bootcmd',
        'runcmd',
        'ntp',
        'users',
        'disk_setup',
        'fs_setup',
        'mounts',
      ]) {
        assert.ok(key in doc, `${kind}: ${key} missing`);
      }
      if (doc.jinjaRendered) {
        // Jinja ran over the commands, as it will at boot.
        assert.ok((doc.runcmd as string[]).includes('echo "node-0.example.com" > /etc/hostname'), kind);
      }
      const fetch = (doc.write_files as Doc[]).find((f) => f.path === '/usr/local/bin/fetch-kubeadm.sh');
      assert.match(fetch?.content as string, /release\/v1\.34\.1\/bin/);
    }
  });

  it('and instance metadata reaches the kubeadm configuration through the Jinja header', async (t) => {
    const doc = await assertValid(
      renderWorkerJoinCloudConfig({
        kubeadmJoinConfiguration: marshalJoinConfiguration(
          { nodeRegistration: { name: '{{ ds.meta_data.local_hostname }}' } },
          'v1.33.0',
        ),
      }),
    );
    if (!doc.jinjaRendered) {
      t.skip("this cloud-init's Jinja handler could not be imported; the header line was removed instead");
      return;
    }
    const [join] = kubeadmFile(doc, '/run/kubeadm/kubeadm-join-config.yaml');
    assert.equal(get(join, 'nodeRegistration.name'), 'node-0');
  });

  it('but not data cloud-init does not accept (the judge can fail)', async () => {
    const verdict = await validateWithCloudInit(
      '## template: jinja\n#cloud-config\nwrite_files:\n- path: /a\n  permissions: 0640\n  mode: x\n',
    );
    assert.equal(verdict.valid, false, verdict.output);
  });
});
