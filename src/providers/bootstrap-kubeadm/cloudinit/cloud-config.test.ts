import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
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
} from './index.js';
import { SAMPLE_CERTIFICATES } from './test-helpers.js';

// cloud-init reads user data with PyYAML, whose scalars follow YAML 1.1; parse the way it does.
type Doc = Record<string, unknown>;
/** The value at a dotted path (`a.b.0.c`) of parsed YAML, or undefined. */
const get = (value: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Doc)[key] : undefined), value);
const read = (userData: string): Doc => parse(userData, { version: '1.1' }) as Doc;
const fileAt = (doc: Doc, path: string): Doc => {
  const file = (doc.write_files as Doc[]).find((f) => f.path === path);
  assert.ok(file, `no file ${path}`);
  return file;
};
const kubeadmDocs = (content: string): Doc[] =>
  parseAllDocuments(content, { version: '1.1' }).map((d) => d.toJS() as Doc);

const SENTINEL = 'echo success > /run/cluster-api/bootstrap-success.complete';

const common: CloudConfigInput = {
  files: resolveFiles([{ path: '/etc/motd', content: 'welcome\n', owner: 'root:root', permissions: '0644' }]),
  preKubeadmCommands: ['swapoff -a', 'echo "pre" > /tmp/pre'],
  postKubeadmCommands: ['echo post'],
};

describe('renderControlPlaneInitCloudConfig', () => {
  const version = 'v1.34.1';
  const userData = renderControlPlaneInitCloudConfig({
    ...common,
    verbosity: 4,
    kubeadmClusterConfiguration: marshalClusterConfiguration({}, version, { clusterName: 'prod' }),
    kubeadmInitConfiguration: marshalInitConfiguration({ nodeRegistration: { name: 'cp-0' } }, version),
    certificates: certificateFiles(SAMPLE_CERTIFICATES),
  });
  const doc = read(userData);

  it('starts with the Jinja header and then #cloud-config, as upstream does', () => {
    assert.deepEqual(userData.split('\n').slice(0, 2), ['## template: jinja', '#cloud-config']);
  });

  it('writes the certificates, then the user files, then the kubeadm configuration and the placeholder', () => {
    assert.deepEqual(
      (doc.write_files as Doc[]).map((f) => f.path),
      [
        '/etc/kubernetes/pki/ca.crt',
        '/etc/kubernetes/pki/ca.key',
        '/etc/kubernetes/pki/etcd/ca.crt',
        '/etc/kubernetes/pki/etcd/ca.key',
        '/etc/kubernetes/pki/front-proxy-ca.crt',
        '/etc/kubernetes/pki/front-proxy-ca.key',
        '/etc/kubernetes/pki/sa.pub',
        '/etc/kubernetes/pki/sa.key',
        '/etc/motd',
        '/run/kubeadm/kubeadm.yaml',
        '/run/cluster-api/placeholder',
      ],
    );
    assert.deepEqual(fileAt(doc, '/etc/kubernetes/pki/ca.key'), {
      path: '/etc/kubernetes/pki/ca.key',
      owner: 'root:root',
      permissions: '0600',
      content: SAMPLE_CERTIFICATES.clusterCA.key,
    });
    assert.equal(fileAt(doc, '/etc/kubernetes/pki/ca.crt').permissions, '0640');
    assert.equal(fileAt(doc, '/etc/motd').content, 'welcome\n');
  });

  it('writes ClusterConfiguration and InitConfiguration into /run/kubeadm/kubeadm.yaml in the version kubeadm reads', () => {
    const file = fileAt(doc, '/run/kubeadm/kubeadm.yaml');
    assert.equal(file.permissions, '0640');
    assert.equal(file.owner, 'root:root');
    const [cluster, init] = kubeadmDocs(file.content as string);
    assert.equal(cluster?.kind, 'ClusterConfiguration');
    assert.equal(cluster?.apiVersion, 'kubeadm.k8s.io/v1beta4');
    assert.equal(cluster?.clusterName, 'prod');
    assert.equal(init?.kind, 'InitConfiguration');
    assert.equal(get(init, 'nodeRegistration.name'), 'cp-0');
  });

  it('runs the pre commands, kubeadm init with the verbosity and the sentinel, then the post commands', () => {
    assert.deepEqual(doc.runcmd, [
      'swapoff -a',
      'echo "pre" > /tmp/pre',
      `kubeadm init --config /run/kubeadm/kubeadm.yaml --v 4 && ${SENTINEL}`,
      'echo post',
    ]);
  });

  it('leaves out the sections nobody asked for', () => {
    for (const key of ['bootcmd', 'ntp', 'users', 'disk_setup', 'fs_setup', 'mounts']) {
      assert.equal(key in doc, false, key);
    }
  });
});

describe('renderControlPlaneJoinCloudConfig', () => {
  const userData = renderControlPlaneJoinCloudConfig({
    kubeadmJoinConfiguration: marshalJoinConfiguration(
      {
        controlPlane: {},
        discovery: { bootstrapToken: { token: 'abcdef.0123456789abcdef', apiServerEndpoint: 'lb:6443' } },
      },
      'v1.33.4',
    ),
    certificates: certificateFiles(SAMPLE_CERTIFICATES),
  });
  const doc = read(userData);

  it('writes the certificates and a JoinConfiguration with controlPlane, and runs kubeadm join', () => {
    assert.ok(fileAt(doc, '/etc/kubernetes/pki/sa.key'));
    const [join, ...rest] = kubeadmDocs(
      fileAt(doc, '/run/kubeadm/kubeadm-join-config.yaml').content as string,
    );
    assert.equal(rest.length, 0);
    assert.equal(join?.apiVersion, 'kubeadm.k8s.io/v1beta4');
    assert.equal(join?.kind, 'JoinConfiguration');
    assert.deepEqual(join?.controlPlane, { localAPIEndpoint: {} });
    assert.deepEqual(doc.runcmd, [
      `kubeadm join --config /run/kubeadm/kubeadm-join-config.yaml && ${SENTINEL}`,
    ]);
  });
});

describe('renderWorkerJoinCloudConfig', () => {
  it('writes no certificates and joins with the JoinConfiguration of the machine’s version', () => {
    const doc = read(
      renderWorkerJoinCloudConfig({
        ...common,
        kubeadmJoinConfiguration: marshalJoinConfiguration({ nodeRegistration: { name: 'w-0' } }, 'v1.29.3'),
      }),
    );
    assert.deepEqual(
      (doc.write_files as Doc[]).map((f) => f.path),
      ['/etc/motd', '/run/kubeadm/kubeadm-join-config.yaml', '/run/cluster-api/placeholder'],
    );
    const [join] = kubeadmDocs(fileAt(doc, '/run/kubeadm/kubeadm-join-config.yaml').content as string);
    assert.equal(join?.apiVersion, 'kubeadm.k8s.io/v1beta3');
    assert.equal(join?.controlPlane, undefined);
    assert.equal(
      (doc.runcmd as string[])[2],
      `kubeadm join --config /run/kubeadm/kubeadm-join-config.yaml && ${SENTINEL}`,
    );
  });
});

describe('cloud-config sections', () => {
  const render = (input: CloudConfigInput): Doc =>
    read(
      renderWorkerJoinCloudConfig({
        ...input,
        kubeadmJoinConfiguration: marshalJoinConfiguration({}, 'v1.34.0'),
      }),
    );

  it('writes file content exactly, with encoding, owner, permissions and append as given', () => {
    const content = '  leading spaces\nno trailing newline';
    const doc = render({
      files: resolveFiles([
        { path: '/a', content, permissions: '0755', owner: 'app:app', append: false },
        { path: '/b', content: 'aGVsbG8=', encoding: 'base64', append: true },
        { path: '/c', content: 'x', encoding: 'gzip+base64' },
        { path: '/d', content: 'x', encoding: 'gzip' },
      ]),
    });
    assert.deepEqual(fileAt(doc, '/a'), {
      path: '/a',
      owner: 'app:app',
      permissions: '0755',
      append: false,
      content,
    });
    assert.deepEqual(fileAt(doc, '/b'), {
      path: '/b',
      encoding: 'base64',
      append: true,
      content: 'aGVsbG8=',
    });
    assert.equal(fileAt(doc, '/c').encoding, 'gzip+base64');
    assert.equal(fileAt(doc, '/d').encoding, 'gzip');
  });

  it('creates users with cloud-init’s key names', () => {
    const doc = render({
      users: [
        {
          name: 'capi',
          gecos: 'Cluster API',
          groups: 'adm,docker',
          homeDir: '/home/capi',
          inactive: true,
          shell: '/bin/bash',
          passwd: '$6$rounds=4096$salt$hash',
          primaryGroup: 'capi',
          lockPassword: false,
          sudo: 'ALL=(ALL) NOPASSWD:ALL',
          sshAuthorizedKeys: ['ssh-ed25519 AAAAC3Nza capi@example'],
        },
        { name: 'plain' },
      ],
    });
    assert.deepEqual(doc.users, [
      {
        name: 'capi',
        passwd: '$6$rounds=4096$salt$hash',
        gecos: 'Cluster API',
        groups: 'adm,docker',
        homedir: '/home/capi',
        inactive: true,
        lock_passwd: false,
        shell: '/bin/bash',
        primary_group: 'capi',
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        ssh_authorized_keys: ['ssh-ed25519 AAAAC3Nza capi@example'],
      },
      { name: 'plain' },
    ]);
  });

  it('writes ntp, boot commands and mounts', () => {
    const doc = render({
      ntp: { enabled: false, servers: ['0.pool.ntp.org', 'time.example.com'] },
      bootCommands: ['cloud-init-per once mymkfs mkfs /dev/vdb'],
      mounts: [
        ['LABEL=etcd', '/var/lib/etcddisk', 'auto', 'defaults,nofail', '0', '2'],
        ['swap', 'none'],
      ],
    });
    assert.deepEqual(doc.ntp, { enabled: false, servers: ['0.pool.ntp.org', 'time.example.com'] });
    assert.deepEqual(doc.bootcmd, ['cloud-init-per once mymkfs mkfs /dev/vdb']);
    assert.deepEqual(doc.mounts, [
      ['LABEL=etcd', '/var/lib/etcddisk', 'auto', 'defaults,nofail', '0', '2'],
      ['swap', 'none'],
    ]);
  });

  it('maps partition type names to MBR codes and keeps partition numbers numeric', () => {
    const guid = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
    const doc = render({
      diskSetup: {
        partitions: [
          {
            device: '/dev/sdb',
            tableType: 'mbr',
            overwrite: true,
            diskLayout: [
              { percentage: 50, partitionType: 'Linux' },
              { percentage: 25, partitionType: 'LVM' },
              { percentage: 25 },
            ],
          },
          { device: '/dev/sdc', layout: true, tableType: 'gpt', diskLayout: undefined },
          { device: '/dev/sdd', tableType: 'gpt', diskLayout: [{ percentage: 100, partitionType: guid }] },
        ],
        filesystems: [
          {
            device: '/dev/sdb',
            partition: '1',
            filesystem: 'ext4',
            label: 'etcd',
            extraOpts: ['-E', 'nodiscard'],
          },
          { device: '/dev/sdc', partition: 'auto', filesystem: 'xfs', overwrite: false, replaceFS: 'ntfs' },
        ],
      },
    });
    assert.deepEqual(doc.disk_setup, {
      '/dev/sdb': { table_type: 'mbr', layout: [[50, 83], [25, '8e'], 25], overwrite: true },
      '/dev/sdc': { table_type: 'gpt', layout: true },
      '/dev/sdd': { table_type: 'gpt', layout: [[100, guid]] },
    });
    assert.deepEqual(doc.fs_setup, [
      {
        label: 'etcd',
        filesystem: 'ext4',
        device: '/dev/sdb',
        partition: 1,
        extra_opts: ['-E', 'nodiscard'],
      },
      { filesystem: 'xfs', device: '/dev/sdc', partition: 'auto', overwrite: false, replace_fs: 'ntfs' },
    ]);
  });

  it('keeps commands with YAML-significant characters intact', () => {
    const commands = ['echo "a: b" # not a comment', "sed -i 's/x/y/' /etc/f", '- dash', '0640', 'yes'];
    const doc = render({ preKubeadmCommands: commands });
    assert.deepEqual((doc.runcmd as string[]).slice(0, commands.length), commands);
  });
});
