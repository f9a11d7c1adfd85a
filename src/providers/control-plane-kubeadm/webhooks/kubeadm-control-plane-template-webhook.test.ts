import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepClone } from '../../../controller-runtime/util/json.js';
import { isAdmissionDenied } from '../../../controller-runtime/webhook/field-errors.js';
import type { AdmissionRequestInfo } from '../../../controller-runtime/webhook/webhook.js';
import {
  type KubeadmControlPlaneTemplateObject,
  kubeadmControlPlaneTemplateWebhook,
} from './kubeadm-control-plane-template-webhook.js';

const request: AdmissionRequestInfo = {
  operation: 'CREATE',
  userInfo: { username: 'admin', groups: [] },
  dryRun: false,
};
const topologyOff = { featureGates: { ClusterTopology: false } };
/** apimachinery's message for a label key (or its name part) that is not a qualified name. */
const NAME_PART_ERR =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

function template(): KubeadmControlPlaneTemplateObject {
  return {
    apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
    kind: 'KubeadmControlPlaneTemplate',
    metadata: { name: 'cp-template', namespace: 'default' },
    spec: {
      template: {
        spec: {
          kubeadmConfigSpec: {
            clusterConfiguration: { apiServer: { certSANs: ['localhost'] } },
            joinConfiguration: { nodeRegistration: { imagePullPolicy: 'IfNotPresent' } },
          },
        },
      },
    },
  };
}

async function causesOf(fn: () => unknown): Promise<string[]> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isAdmissionDenied(err), `expected an admission denial, got ${String(err)}`);
    return err.causes.map((c) => `${c.field}: ${c.detail}`);
  }
  assert.fail('expected the request to be denied');
}

describe('KubeadmControlPlaneTemplate webhook', () => {
  it('refuses to create templates when the ClusterTopology gate is turned off, as a 403 without causes', async () => {
    await assert.rejects(
      async () =>
        kubeadmControlPlaneTemplateWebhook(topologyOff).validator?.validateCreate?.(template(), request),
      (err: unknown) => {
        assert.ok(isAdmissionDenied(err));
        assert.equal(err.code, 403);
        assert.equal(
          err.message,
          'spec: Forbidden: can be set only if the ClusterTopology feature flag is enabled',
        );
        assert.deepEqual(err.causes, []);
        return true;
      },
    );
  });

  it('validates the resource spec under spec.template.spec (ClusterTopology is on by default)', async () => {
    await kubeadmControlPlaneTemplateWebhook().validator?.validateCreate?.(template(), request);
    const bad = template();
    const spec = bad.spec?.template.spec;
    assert.ok(spec);
    spec.rollout = { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2 } } };
    spec.machineNaming = { template: 'cp' };
    spec.kubeadmConfigSpec = {
      files: [
        { path: '/a', content: 'x' },
        { path: '/a', content: 'y' },
      ],
    };
    const causes = await causesOf(() =>
      kubeadmControlPlaneTemplateWebhook().validator?.validateCreate?.(bad, request),
    );
    assert.deepEqual(causes, [
      'spec.template.spec.rollout.strategy.rollingUpdate.maxSurge: Required value: value must be 1 or 0',
      'spec.template.spec.machineNaming.template: Invalid value: "cp": invalid template, {{ .random }} is missing',
      'spec.template.spec.kubeadmConfigSpec.files[1].path: Invalid value: {"path":"/a","content":"y"}: path property must be unique among all files',
    ]);
  });

  it('validates the labels and annotations of the KubeadmControlPlane and of its Machines', async () => {
    const bad = template();
    const resource = bad.spec?.template;
    assert.ok(resource?.spec);
    resource.metadata = { labels: { 'tier/': 'cp' } };
    resource.spec.machineTemplate = { metadata: { annotations: { 'bad key': 'x' } } };
    const causes = await causesOf(() =>
      kubeadmControlPlaneTemplateWebhook().validator?.validateCreate?.(bad, request),
    );
    assert.deepEqual(causes, [
      `spec.template.spec.machineTemplate.metadata.annotations: Invalid value: "bad key": ${NAME_PART_ERR}`,
      'spec.template.metadata.labels: Invalid value: "tier/": name part must be non-empty',
      `spec.template.metadata.labels: Invalid value: "tier/": ${NAME_PART_ERR}`,
    ]);
  });

  it('refuses any change of spec.template.spec, showing the diff', async () => {
    const next = template();
    next.spec?.template.spec?.kubeadmConfigSpec?.clusterConfiguration?.apiServer?.certSANs?.push(
      'cp.example.com',
    );
    const causes = await causesOf(() =>
      kubeadmControlPlaneTemplateWebhook().validator?.validateUpdate?.(template(), next, {
        ...request,
        operation: 'UPDATE',
      }),
    );
    assert.equal(causes.length, 1);
    const cause = causes[0] ?? '';
    assert.ok(cause.startsWith('spec.template.spec: Invalid value: {'));
    assert.ok(
      cause.endsWith(
        'KubeadmControlPlaneTemplate spec.template.spec field is immutable. Please create new resource instead. Diff: ' +
          '- kubeadmConfigSpec.clusterConfiguration.apiServer.certSANs: ["localhost"]\n' +
          '+ kubeadmConfigSpec.clusterConfiguration.apiServer.certSANs: ["localhost","cp.example.com"]',
      ),
      cause,
    );
  });

  it('accepts metadata changes and re-applying a template that relied on old defaults', async () => {
    const old = template();
    const oldSpec = old.spec?.template.spec;
    assert.ok(oldSpec?.kubeadmConfigSpec);
    // Stored by an older release: every default filled in.
    oldSpec.kubeadmConfigSpec.format = 'cloud-config';
    oldSpec.kubeadmConfigSpec.initConfiguration = { nodeRegistration: { imagePullPolicy: 'IfNotPresent' } };
    oldSpec.rollout = { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } };
    const next = template();
    next.metadata.labels = { owner: 'platform' };
    const snapshot = deepClone([old, next]);
    await kubeadmControlPlaneTemplateWebhook().validator?.validateUpdate?.(old, next, {
      ...request,
      operation: 'UPDATE',
    });
    assert.deepEqual([old, next], snapshot, 'the validator must not change the objects');
  });
});
