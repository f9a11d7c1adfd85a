import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isInvalidKubernetesVersion } from '../kubeadm/index.js';
import {
  certificateFiles,
  fileTemplateData,
  isFileTemplateError,
  isUnresolvedSecretReference,
  renderFileTemplate,
  resolveFiles,
  resolveUsers,
} from './index.js';
import { SAMPLE_CERTIFICATES } from './test-helpers.js';

const data = fileTemplateData('v1.29.0');

describe('renderFileTemplate', () => {
  it('renders .controlPlane.version', () => {
    assert.equal(renderFileTemplate('/b', 'v={{ .controlPlane.version }}', data), 'v=v1.29.0');
  });

  it('lets a template guard on the absence of the control plane version', () => {
    const content = '{{ if .controlPlane }}v={{ .controlPlane.version }}{{ end }}done';
    assert.equal(renderFileTemplate('/e', content, fileTemplateData(undefined)), 'done');
    assert.equal(renderFileTemplate('/e', content, data), 'v=v1.29.0done');
  });

  it('supports else, else if, comments and trim markers with Go semantics', () => {
    const content = [
      '{{- /* pick the binary */ -}}',
      '{{ if .missing }}a{{ else if .controlPlane.version }}b {{- .controlPlane.version }}{{ else }}c{{ end }}',
      '  {{- if .controlPlane }} yes{{ end -}}  ',
      '!',
    ].join('\n');
    assert.equal(renderFileTemplate('/f', content, data), 'bv1.29.0 yes!');
  });

  it('prints <no value> for a missing key and fails on a missing parent, as Go does', () => {
    assert.equal(renderFileTemplate('/g', '[{{ .nothing }}]', data), '[<no value>]');
    assert.throws(
      () => renderFileTemplate('/h', '{{ .controlPlane.version }}', fileTemplateData(undefined)),
      (err: unknown) => isFileTemplateError(err) && err.path === '/h' && /execute/.test(err.message),
    );
  });

  it('refuses templates that do not parse and actions it does not implement', () => {
    for (const content of [
      '{{ .controlPlane.version ',
      '{{ if .controlPlane }}never closed',
      '{{ end }}',
      '{{ range .controlPlane.version }}{{ end }}',
      '{{ printf "%999999s" "" }}',
      '{{ .controlPlane.version | upper }}',
      '{{ $x := 1 }}',
    ]) {
      assert.throws(() => renderFileTemplate('/c', content, data), isFileTemplateError, content);
    }
  });
});

describe('resolveFiles', () => {
  it('reads contentFrom through the lookup and renders Template files with the normalised control plane version', () => {
    const files = resolveFiles(
      [
        { path: '/etc/a', contentFrom: { secret: { name: 's', key: 'k' } }, permissions: '0600' },
        {
          path: '/etc/b',
          contentFormat: 'Template',
          content: 'curl -LO https://dl.k8s.io/release/{{ .controlPlane.version }}/bin/linux/amd64/kubeadm',
        },
        { path: '/etc/c', contentFormat: 'Raw', content: 'kept {{ .controlPlane.version }}' },
        { path: '/etc/d' },
      ],
      {
        secretValue: ({ name, key }) => (name === 's' && key === 'k' ? 'from secret' : undefined),
        controlPlaneVersion: '1.35',
      },
    );
    assert.deepEqual(files, [
      { path: '/etc/a', content: 'from secret', permissions: '0600' },
      { path: '/etc/b', content: 'curl -LO https://dl.k8s.io/release/v1.35.0/bin/linux/amd64/kubeadm' },
      { path: '/etc/c', content: 'kept {{ .controlPlane.version }}' },
      { path: '/etc/d', content: '' },
    ]);
  });

  it('fails with typed errors on a missing Secret value or an invalid control plane version', () => {
    assert.throws(
      () => resolveFiles([{ path: '/a', contentFrom: { secret: { name: 's', key: 'k' } } }]),
      (err: unknown) => isUnresolvedSecretReference(err) && err.secretName === 's' && err.key === 'k',
    );
    assert.throws(
      () => resolveFiles([{ path: '/a', content: 'x' }], { controlPlaneVersion: 'latest' }),
      isInvalidKubernetesVersion,
    );
  });
});

describe('resolveUsers', () => {
  it('replaces passwdFrom with the password hash from the lookup', () => {
    const users = resolveUsers(
      [
        { name: 'a', passwdFrom: { secret: { name: 'pw', key: 'hash' } } },
        { name: 'b', passwd: 'x' },
      ],
      { secretValue: () => '$6$hash' },
    );
    assert.deepEqual(users, [
      { name: 'a', passwd: '$6$hash' },
      { name: 'b', passwd: 'x' },
    ]);
    assert.throws(
      () => resolveUsers([{ name: 'a', passwdFrom: { secret: { name: 'pw', key: 'hash' } } }]),
      isUnresolvedSecretReference,
    );
  });
});

describe('certificateFiles', () => {
  it('honours certificatesDir', () => {
    const files = certificateFiles(SAMPLE_CERTIFICATES, { certificatesDir: '/var/lib/pki/' });
    assert.deepEqual(
      files.map((f) => [f.path, f.permissions, f.owner]),
      [
        ['/var/lib/pki/ca.crt', '0640', 'root:root'],
        ['/var/lib/pki/ca.key', '0600', 'root:root'],
        ['/var/lib/pki/etcd/ca.crt', '0640', 'root:root'],
        ['/var/lib/pki/etcd/ca.key', '0600', 'root:root'],
        ['/var/lib/pki/front-proxy-ca.crt', '0640', 'root:root'],
        ['/var/lib/pki/front-proxy-ca.key', '0600', 'root:root'],
        ['/var/lib/pki/sa.pub', '0640', 'root:root'],
        ['/var/lib/pki/sa.key', '0600', 'root:root'],
      ],
    );
  });

  it('writes the external etcd CA and API server client certificate where etcd.external points', () => {
    const files = certificateFiles(
      {
        ...SAMPLE_CERTIFICATES,
        etcdCA: { cert: 'etcd-ca' },
        apiServerEtcdClient: { cert: 'client-cert', key: 'client-key' },
      },
      {
        etcd: {
          external: {
            endpoints: ['https://etcd:2379'],
            caFile: '/etc/etcd/ca.crt',
            certFile: '/etc/etcd/client.crt',
            keyFile: '/etc/etcd/client.key',
          },
        },
      },
    );
    assert.deepEqual(
      files.map((f) => [f.path, f.permissions, f.content]).filter(([p]) => p?.startsWith('/etc/etcd')),
      [
        ['/etc/etcd/ca.crt', '0640', 'etcd-ca'],
        ['/etc/etcd/client.crt', '0640', 'client-cert'],
        ['/etc/etcd/client.key', '0600', 'client-key'],
      ],
    );
    assert.equal(
      files.some((f) => f.path.includes('/pki/etcd/')),
      false,
    );
  });
});
