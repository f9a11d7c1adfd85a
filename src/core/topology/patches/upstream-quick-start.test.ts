// Upstream's quick-start ClusterClasses (the example one and the one the e2e suite applies), patched through the
// engine with the templates they ship. The files stay outside the repo; these tests skip without them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { ClusterClass } from '../../api/v1beta2/index.js';
import { controlPlaneBuiltins, machineDeploymentBuiltins, machinePoolBuiltins } from './builtin-variables.js';
import { applyInlinePatches, type ApplyInlinePatchesResult, type TemplateObject } from './inline-patches.js';
import type { VariableValue } from './variable-values.js';

const UPSTREAM = '/work/shared/compat/upstream-cluster-api';
const EXAMPLE = path.join(UPSTREAM, 'templates', 'clusterclass-quick-start.yaml');
const E2E = path.join(UPSTREAM, 'e2e-data', 'clusterclass-quick-start.yaml');

interface Loaded {
  clusterClass: ClusterClass;
  templates: TemplateObject[];
}

/** `${VAR:-default}` / `${VAR:=default}` become the default, as clusterctl does with VAR unset. */
function load(file: string): Loaded {
  const text = readFileSync(file, 'utf8').replace(/\$\{[A-Z0-9_]+:[-=]([^}]*)\}/g, '$1');
  const docs = parseAllDocuments(text).map((d) => d.toJS() as TemplateObject);
  const clusterClass = docs.find((d) => d.kind === 'ClusterClass') as unknown as ClusterClass;
  return { clusterClass, templates: docs.filter((d) => d.kind !== 'ClusterClass') };
}

interface Options {
  variables: VariableValue[];
  cpVersion?: string;
  mdVersion?: string;
  mdOverrides?: VariableValue[];
}

/** Builds the desired templates the way the topology controller would: one MD `md-0` and one MP `mp-0`. */
function patch(loaded: Loaded, o: Options): ApplyInlinePatchesResult {
  const cc = loaded.clusterClass.spec;
  const byRef = (ref: { kind: string; name: string }): TemplateObject => {
    const t = loaded.templates.find((d) => d.kind === ref.kind && d.metadata?.name === ref.name);
    assert.ok(t, `template ${ref.kind}/${ref.name}`);
    return t;
  };
  const md = cc.workers?.machineDeployments?.[0];
  const mp = cc.workers?.machinePools?.[0];
  assert.ok(md && mp && cc.controlPlane.machineInfrastructure);
  const cpVersion = o.cpVersion ?? 'v1.31.2';
  const mdVersion = o.mdVersion ?? 'v1.30.6';
  const worker = (topologyName: string, cls: string, name: string) => ({
    topologyName,
    class: cls,
    name,
    version: mdVersion,
    replicas: 2,
    bootstrapTemplateName: `${name}-bootstrap`,
    infrastructureTemplateName: `${name}-infra`,
  });
  return applyInlinePatches({
    patches: cc.patches,
    clusterVariables: o.variables,
    builtins: {
      cluster: {
        name: 'c1',
        namespace: 'default',
        topology: { version: cpVersion, class: 'quick-start', classNamespace: 'default' },
      },
      controlPlane: controlPlaneBuiltins({
        name: 'c1-cp',
        version: cpVersion,
        replicas: 3,
        infrastructureMachineTemplateName: 'c1-cp-infra',
      }),
      machineDeployments: { 'md-0': machineDeploymentBuiltins(worker('md-0', md.class, 'c1-md-0')) },
      machinePools: { 'mp-0': machinePoolBuiltins(worker('mp-0', mp.class, 'c1-mp-0')) },
    },
    desired: {
      infrastructureClusterTemplate: byRef(cc.infrastructure.templateRef),
      controlPlaneTemplate: byRef(cc.controlPlane.templateRef),
      controlPlaneInfrastructureMachineTemplate: byRef(cc.controlPlane.machineInfrastructure.templateRef),
      machineDeployments: {
        'md-0': {
          class: md.class,
          bootstrapTemplate: byRef(md.bootstrap.templateRef),
          infrastructureTemplate: byRef(md.infrastructure.templateRef),
          ...(o.mdOverrides ? { variableOverrides: o.mdOverrides } : {}),
        },
      },
      machinePools: {
        'mp-0': {
          class: mp.class,
          bootstrapTemplate: byRef(mp.bootstrap.templateRef),
          infrastructureTemplate: byRef(mp.infrastructure.templateRef),
        },
      },
    },
  });
}

type Json = Record<string, unknown>;
/** `spec.template.spec` of a patched template. */
const inner = (o: TemplateObject | undefined): Json =>
  ((o?.spec?.template as Json | undefined)?.spec ?? {}) as Json;
const at = (v: unknown, ...keys: (string | number)[]): unknown =>
  keys.reduce<unknown>((acc, k) => (acc as Record<string | number, unknown> | undefined)?.[k], v);

/** The variables as the Cluster webhook leaves them after defaulting, for the example ClusterClass. */
const exampleVariables = (overrides: Record<string, unknown> = {}): VariableValue[] =>
  Object.entries({
    imageRepository: '',
    etcdImageTag: '',
    coreDNSImageTag: '',
    podSecurityStandard: { enabled: true, enforce: 'baseline', audit: 'restricted', warn: 'restricted' },
    ...overrides,
  }).map(([name, value]) => ({ name, value }));

describe(
  'upstream quick-start ClusterClass (templates/)',
  { skip: existsSync(EXAMPLE) ? false : `${EXAMPLE} absent` },
  () => {
    const loaded = existsSync(EXAMPLE) ? load(EXAMPLE) : undefined;
    const run = (o: Options) => patch(loaded as Loaded, o);

    it('sets imageRepository on the KubeadmControlPlaneTemplate only when the variable is set', () => {
      const unset = run({ variables: exampleVariables() });
      const config = (r: ApplyInlinePatchesResult) =>
        at(inner(r.desired.controlPlaneTemplate), 'kubeadmConfigSpec', 'clusterConfiguration');
      assert.equal(at(config(unset), 'imageRepository'), undefined);

      const set = run({ variables: exampleVariables({ imageRepository: 'registry.example.com' }) });
      assert.equal(at(config(set), 'imageRepository'), 'registry.example.com');
      const cp = set.templates.find((t) => t.target.role === 'controlPlane');
      assert.ok(cp?.changedBy.some((c) => c.patch === 'imageRepository'));
    });

    it('renders etcd and CoreDNS image tags into nested objects', () => {
      const r = run({
        variables: exampleVariables({ etcdImageTag: '3.5.16-0', coreDNSImageTag: 'v1.11.3' }),
      });
      const config = at(inner(r.desired.controlPlaneTemplate), 'kubeadmConfigSpec', 'clusterConfiguration');
      assert.deepEqual(at(config, 'etcd'), { local: { imageTag: '3.5.16-0' } });
      assert.deepEqual(at(config, 'dns'), { imageTag: 'v1.11.3' });
    });

    it('sets customImage per template from the builtin version of its part', () => {
      const r = run({ variables: exampleVariables(), cpVersion: 'v1.31.2+k3s1', mdVersion: 'v1.30.6' });
      assert.equal(
        at(inner(r.desired.controlPlaneInfrastructureMachineTemplate), 'backend', 'docker', 'customImage'),
        'kindest/node:v1.31.2_k3s1',
      );
      assert.equal(
        at(
          inner(r.desired.machineDeployments?.['md-0']?.infrastructureTemplate),
          'backend',
          'docker',
          'customImage',
        ),
        'kindest/node:v1.30.6',
      );
      assert.equal(
        at(
          inner(r.desired.machinePools?.['mp-0']?.infrastructureTemplate),
          'backend',
          'docker',
          'customImage',
        ),
        'kindest/node:v1.30.6',
      );
      // The docker socket mount the template ships is kept beside the patched image.
      assert.ok(
        at(
          inner(r.desired.machineDeployments?.['md-0']?.infrastructureTemplate),
          'backend',
          'docker',
          'extraMounts',
        ),
      );
    });

    it('switches the PodSecurity admission apiVersion on the control plane version', () => {
      const content = (cpVersion: string): string => {
        const r = run({ variables: exampleVariables(), cpVersion });
        return at(
          inner(r.desired.controlPlaneTemplate),
          'kubeadmConfigSpec',
          'files',
          0,
          'content',
        ) as string;
      };
      assert.match(content('v1.24.17'), /apiVersion: pod-security\.admission\.config\.k8s\.io\/v1beta1\n/);
      assert.match(content('v1.31.2'), /apiVersion: pod-security\.admission\.config\.k8s\.io\/v1\n/);
      assert.match(
        content('v1.31.2'),
        /enforce: "baseline"\n\s+enforce-version: "latest"\n\s+audit: "restricted"/,
      );
    });

    it('adds the admission plugin flags and volume only when podSecurityStandard.enabled is true', () => {
      const on = run({ variables: exampleVariables() });
      const apiServer = (r: ApplyInlinePatchesResult) =>
        at(inner(r.desired.controlPlaneTemplate), 'kubeadmConfigSpec', 'clusterConfiguration', 'apiServer');
      assert.deepEqual(at(apiServer(on), 'extraArgs'), [
        { name: 'admission-control-config-file', value: '/etc/kubernetes/kube-apiserver-admission-pss.yaml' },
      ]);
      assert.equal(at(apiServer(on), 'extraVolumes', 0, 'pathType'), 'File');

      const off = run({
        variables: exampleVariables({
          podSecurityStandard: {
            enabled: false,
            enforce: 'baseline',
            audit: 'restricted',
            warn: 'restricted',
          },
        }),
      });
      assert.equal(at(apiServer(off), 'extraArgs'), undefined);
      assert.equal(at(inner(off.desired.controlPlaneTemplate), 'kubeadmConfigSpec', 'files'), undefined);
    });

    it('skips the PodSecurity patch when podSecurityStandard is not set (enabledIf renders "<no value>")', () => {
      const variables = exampleVariables().filter((v) => v.name !== 'podSecurityStandard');
      const r = run({ variables });
      assert.equal(at(inner(r.desired.controlPlaneTemplate), 'kubeadmConfigSpec', 'files'), undefined);
    });
  },
);

/** Defaults of the e2e ClusterClass, as the Cluster webhook would set them. */
const e2eVariables = (overrides: Record<string, unknown> = {}): VariableValue[] =>
  Object.entries({
    lbImageRepository: 'kindest',
    etcdImageTag: '',
    coreDNSImageTag: '',
    kubeadmControlPlaneMaxSurge: '',
    preLoadImages: [],
    controlPlaneTaint: true,
    externalCloudProvider: false,
    ipv6Primary: false,
    ...overrides,
  }).map(([name, value]) => ({ name, value }));

describe(
  'upstream quick-start ClusterClass (e2e-data/)',
  { skip: existsSync(E2E) ? false : `${E2E} absent` },
  () => {
    const loaded = existsSync(E2E) ? load(E2E) : undefined;
    const run = (o: Options) => patch(loaded as Loaded, o);

    it('sets the load balancer image repository on the DevClusterTemplate', () => {
      const r = run({ variables: e2eVariables({ lbImageRepository: 'registry.example.com/kindest' }) });
      assert.deepEqual(
        at(inner(r.desired.infrastructureClusterTemplate), 'backend', 'docker', 'loadBalancer'),
        {
          imageRepository: 'registry.example.com/kindest',
        },
      );
      // The failure domains of the shipped template survive the patch.
      assert.equal(
        (at(inner(r.desired.infrastructureClusterTemplate), 'backend', 'docker', 'failureDomains') as [])
          .length,
        8,
      );
    });

    it('copies the preLoadImages list variable to control plane and worker machine templates', () => {
      const images = ['registry.example.com/capi:dev', 'registry.example.com/capd:dev'];
      const r = run({ variables: e2eVariables({ preLoadImages: images }) });
      for (const t of [
        r.desired.controlPlaneInfrastructureMachineTemplate,
        r.desired.machineDeployments?.['md-0']?.infrastructureTemplate,
        r.desired.machinePools?.['mp-0']?.infrastructureTemplate,
      ]) {
        assert.deepEqual(at(inner(t), 'backend', 'docker', 'preLoadImages'), images);
      }
    });

    it('appends the external cloud provider kubelet flag to *-worker bootstrap templates', () => {
      const r = run({ variables: e2eVariables({ externalCloudProvider: true }) });
      const args = (t: TemplateObject | undefined) =>
        at(inner(t), 'joinConfiguration', 'nodeRegistration', 'kubeletExtraArgs') as { name: string }[];
      for (const t of [
        r.desired.machineDeployments?.['md-0']?.bootstrapTemplate,
        r.desired.machinePools?.['mp-0']?.bootstrapTemplate,
      ]) {
        assert.deepEqual(
          args(t).map((a) => a.name),
          ['eviction-hard', 'cloud-provider'],
        );
      }
      const cpArgs = at(
        inner(r.desired.controlPlaneTemplate),
        'kubeadmConfigSpec',
        'initConfiguration',
        'nodeRegistration',
        'kubeletExtraArgs',
      ) as { name: string; value: string }[];
      assert.deepEqual(cpArgs.at(-1), { name: 'cloud-provider', value: 'external' });
    });

    it('removes control plane taints only when controlPlaneTaint is false', () => {
      const taints = (r: ApplyInlinePatchesResult) =>
        at(
          inner(r.desired.controlPlaneTemplate),
          'kubeadmConfigSpec',
          'initConfiguration',
          'nodeRegistration',
          'taints',
        );
      assert.equal(taints(run({ variables: e2eVariables() })), undefined);
      assert.deepEqual(taints(run({ variables: e2eVariables({ controlPlaneTaint: false }) })), []);
    });

    it('decodes the maxSurge template (with its stray quote) as YAML', () => {
      const r = run({ variables: e2eVariables({ kubeadmControlPlaneMaxSurge: '1' }) });
      assert.deepEqual(at(inner(r.desired.controlPlaneTemplate), 'rollout', 'strategy'), {
        rollingUpdate: { maxSurge: '1"' },
      });
    });

    it('appends the log level flag after the PodSecurity flag, in ClusterClass order', () => {
      const r = run({ variables: e2eVariables({ kubeControlPlaneLogLevel: '4' }) });
      const config = at(inner(r.desired.controlPlaneTemplate), 'kubeadmConfigSpec', 'clusterConfiguration');
      assert.deepEqual(at(config, 'apiServer', 'extraArgs'), [
        { name: 'admission-control-config-file', value: '/etc/kubernetes/kube-apiserver-admission-pss.yaml' },
        { name: 'v', value: '4' },
      ]);
      assert.deepEqual(at(config, 'scheduler'), { extraArgs: [{ name: 'v', value: '4' }] });
    });

    it('lets a MachineDeployment override enable a worker patch the Cluster leaves off', () => {
      const r = run({ variables: e2eVariables(), mdOverrides: [{ name: 'kubeletLogLevel', value: '5' }] });
      const args = (t: TemplateObject | undefined) =>
        at(inner(t), 'joinConfiguration', 'nodeRegistration', 'kubeletExtraArgs') as {
          name: string;
          value: string;
        }[];
      assert.deepEqual(args(r.desired.machineDeployments?.['md-0']?.bootstrapTemplate).at(-1), {
        name: 'v',
        value: '5',
      });
      assert.equal(args(r.desired.machinePools?.['mp-0']?.bootstrapTemplate).length, 1);
      const cpInit = at(
        inner(r.desired.controlPlaneTemplate),
        'kubeadmConfigSpec',
        'initConfiguration',
        'nodeRegistration',
        'kubeletExtraArgs',
      ) as unknown[];
      assert.equal(cpInit.length, 1);
    });
  },
);
