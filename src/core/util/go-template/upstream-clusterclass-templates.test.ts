import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { parseTemplate } from './go-template.js';

// Upstream's ClusterClasses, kept beside the repo for compatibility checks.
const UPSTREAM = '/work/shared/compat/upstream-cluster-api';
const DIRS = [path.join(UPSTREAM, 'templates'), path.join(UPSTREAM, 'e2e-data')];

interface Found {
  kind: 'naming' | 'valueFrom' | 'enabledIf';
  text: string;
  where: string;
}

function collect(): Found[] {
  const out: Found[] = [];
  const walk = (v: unknown, where: string, parentKey: string): void => {
    if (Array.isArray(v)) {
      v.forEach((e, i) => walk(e, `${where}[${i}]`, parentKey));
      return;
    }
    if (typeof v !== 'object' || v === null) return;
    for (const [k, e] of Object.entries(v)) {
      if (typeof e === 'string' && k === 'enabledIf') out.push({ kind: 'enabledIf', text: e, where });
      else if (typeof e === 'string' && k === 'template') {
        out.push({ kind: parentKey === 'valueFrom' ? 'valueFrom' : 'naming', text: e, where });
      } else walk(e, `${where}.${k}`, k);
    }
  };
  for (const dir of DIRS) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((n) => n.startsWith('clusterclass-') && n.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(path.join(dir, f), 'utf8'))) walk(doc.toJS(), f, '');
    }
  }
  return out;
}

/** Variables as the topology controller passes them: JSON-decoded user variables plus `builtin`. */
function patchVariables(controlPlaneVersion = 'v1.30.0+k3s1'): Record<string, unknown> {
  return {
    builtin: {
      cluster: {
        name: 'my-cluster',
        namespace: 'default',
        topology: { version: 'v1.30.0', class: 'quick-start' },
      },
      controlPlane: { version: controlPlaneVersion, name: 'my-cluster-cp', replicas: 3 },
      machineDeployment: {
        version: 'v1.29.4',
        class: 'default-worker',
        name: 'my-cluster-md-0',
        topologyName: 'md-0',
        replicas: 2,
      },
      machinePool: {
        version: 'v1.29.4',
        class: 'default-worker',
        name: 'my-cluster-mp-0',
        topologyName: 'mp-0',
      },
    },
    imageRepository: '',
    etcdImageTag: '3.5.12-0',
    coreDNSImageTag: 'v1.11.1',
    lbImageRepository: 'kindest',
    kubeadmControlPlaneMaxSurge: '1',
    controlPlaneTaint: true,
    externalCloudProvider: false,
    ipv6Primary: false,
    podSecurityStandard: { enabled: true, enforce: 'baseline', audit: 'restricted', warn: 'restricted' },
    kubeControlPlaneLogLevel: '2',
    kubeletLogLevel: '',
  };
}

const namingData = {
  cluster: { name: 'my-cluster' },
  random: 'x7k2p',
  machineDeployment: { topologyName: 'md-0' },
  machinePool: { topologyName: 'mp-0' },
};

const found = collect();

describe(
  'upstream ClusterClass templates',
  { skip: found.length === 0 ? 'upstream files not present' : false },
  () => {
    it('finds naming, valueFrom.template and enabledIf templates in the upstream files', () => {
      assert.ok(found.some((f) => f.kind === 'naming'));
      assert.ok(found.some((f) => f.kind === 'valueFrom'));
      assert.ok(found.some((f) => f.kind === 'enabledIf'));
    });

    it('parses and renders every one of them without error', () => {
      for (const f of found) {
        const t = parseTemplate(f.text, { name: f.where });
        const out =
          f.kind === 'naming' ? t.execute(namingData, { missingKey: 'error' }) : t.execute(patchVariables());
        assert.ok(!out.includes('<no value>'), `${f.where}: ${out}`);
        if (f.kind === 'enabledIf') assert.match(out, /^(true|false|)$/, f.where);
      }
    });

    const render = (text: string, data: unknown = patchVariables()): string =>
      parseTemplate(text).execute(data);

    it('renders naming strategies with missingkey=error', () => {
      const names = found
        .filter((f) => f.kind === 'naming')
        .map((f) => parseTemplate(f.text).execute(namingData, { missingKey: 'error' }));
      assert.ok(names.includes('my-cluster-cp-x7k2p'));
      assert.ok(names.includes('my-cluster-infra-x7k2p'));
      assert.ok(names.includes('my-cluster-md-md-0-x7k2p'));
      assert.ok(names.includes('my-cluster-mp-mp-0-x7k2p'));
    });

    it('renders enabledIf conditions as Go does', () => {
      assert.equal(render('{{ ne .imageRepository "" }}'), 'false');
      assert.equal(render('{{ ne .etcdImageTag "" }}'), 'true');
      assert.equal(render('{{ not .controlPlaneTaint }}'), 'false');
      assert.equal(render('{{ .externalCloudProvider }}'), 'false');
      assert.equal(render('{{ .podSecurityStandard.enabled }}'), 'true');
      assert.equal(render('{{ if .kubeControlPlaneLogLevel }}true{{end}}'), 'true');
      assert.equal(render('{{ if .kubeletLogLevel }}true{{end}}'), '');
    });

    it('renders image patches from builtin versions', () => {
      const tpl = (v: string): string => `kindest/node:{{ .builtin.${v}.version | replace "+" "_" }}\n`;
      assert.equal(render(tpl('controlPlane')), 'kindest/node:v1.30.0_k3s1\n');
      assert.equal(render(tpl('machineDeployment')), 'kindest/node:v1.29.4\n');
      assert.equal(render(tpl('machinePool')), 'kindest/node:v1.29.4\n');
      assert.equal(render('local:\n  imageTag: {{ .etcdImageTag }}\n'), 'local:\n  imageTag: 3.5.12-0\n');
      assert.equal(
        render('rollingUpdate:\n  maxSurge: {{ .kubeadmControlPlaneMaxSurge }}"\n'),
        'rollingUpdate:\n  maxSurge: 1"\n',
      );
    });

    it('renders the PodSecurity admission patch, switching to v1beta1 before Kubernetes 1.25', () => {
      const pss = found.find((f) => f.kind === 'valueFrom' && f.text.includes('semverCompare'));
      assert.ok(pss);
      const current = parseYaml(render(pss.text)) as { content: string; path: string }[];
      assert.equal(current[0]?.path, '/etc/kubernetes/kube-apiserver-admission-pss.yaml');
      const config = parseYaml(current[0]?.content ?? '') as {
        plugins: { configuration: { apiVersion: string; defaults: Record<string, string> } }[];
      };
      assert.equal(config.plugins[0]?.configuration.apiVersion, 'pod-security.admission.config.k8s.io/v1');
      assert.deepEqual(config.plugins[0]?.configuration.defaults, {
        enforce: 'baseline',
        'enforce-version': 'latest',
        audit: 'restricted',
        'audit-version': 'latest',
        warn: 'restricted',
        'warn-version': 'latest',
      });
      const old = parseYaml(render(pss.text, patchVariables('v1.24.7'))) as { content: string }[];
      assert.match(old[0]?.content ?? '', /apiVersion: pod-security\.admission\.config\.k8s\.io\/v1beta1\n/);
    });

    it('fails a naming template whose variable is misspelt, with Go wording', () => {
      assert.throws(
        () =>
          parseTemplate('{{ .cluster.nme }}-{{ .random }}', { name: 'name' }).execute(namingData, {
            missingKey: 'error',
          }),
        {
          message: 'template: name:1:3: executing "name" at <.cluster.nme>: map has no entry for key "nme"',
        },
      );
    });
  },
);
