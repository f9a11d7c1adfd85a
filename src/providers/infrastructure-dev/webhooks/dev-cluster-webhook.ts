import type { KubeObject } from '../../../controller-runtime/api/object.js';
import {
  denyIfInvalid,
  type FieldError,
  fieldError,
} from '../../../controller-runtime/webhook/field-errors.js';
import type { WebhookRegistration } from '../../../controller-runtime/webhook/webhook.js';
import type { DevCluster, DevClusterSpec } from '../api/dev-cluster-types.js';
import { API_VERSION, GROUP } from '../api/group.js';

export type DevClusterObject = DevCluster & KubeObject;

export const DEV_CLUSTER_GROUP_KIND = `DevCluster.${GROUP}`;

/** The port kube-apiserver listens on behind the docker backend's load balancer. */
const DOCKER_CONTROL_PLANE_PORT = 6443;

/**
 * Upstream's DevCluster defaults: the docker backend when none is chosen; for docker, the API server port and an
 * explicit `controlPlane: false` on failure domains that do not say.
 */
export function defaultDevClusterSpec(spec: DevClusterSpec): void {
  const backend = spec.backend;
  if (backend.inMemory == null && backend.docker == null) backend.docker = {};
  const docker = backend.docker;
  if (docker == null) return;
  if (!spec.controlPlaneEndpoint?.port) {
    spec.controlPlaneEndpoint = { ...spec.controlPlaneEndpoint, port: DOCKER_CONTROL_PLANE_PORT };
  }
  for (const domain of docker.failureDomains ?? []) domain.controlPlane ??= false;
}

/**
 * Failure domains of the docker backend must be sorted by name (the list is a map keyed by name, and a stable
 * order keeps server-side apply from reporting changes). Upstream uses this path for templates too.
 */
export function validateDevClusterSpec(spec: DevClusterSpec | undefined): FieldError[] {
  const domains = spec?.backend.docker?.failureDomains;
  if (!domains) return [];
  const names = domains.map((d) => d.name);
  const sorted = [...names].sort();
  if (names.every((name, i) => name === sorted[i])) return [];
  return [
    fieldError.invalid(
      'spec.backend.docker.failureDomains',
      domains,
      'failure domains must be sorted by name',
    ),
  ];
}

/** DevCluster admission: upstream's defaults and the failure domain order, on create and update alike. */
export function devClusterWebhook(): WebhookRegistration<DevClusterObject> {
  const validate = (cluster: DevClusterObject): void =>
    denyIfInvalid(DEV_CLUSTER_GROUP_KIND, cluster.metadata.name ?? '', validateDevClusterSpec(cluster.spec));
  return {
    type: { apiVersion: API_VERSION, kind: 'DevCluster' },
    resource: 'devclusters',
    defaulter: {
      default(cluster) {
        defaultDevClusterSpec((cluster.spec ??= { backend: {} }));
      },
    },
    validator: {
      validateCreate: (cluster) => validate(cluster),
      validateUpdate: (_old, cluster) => validate(cluster),
    },
  };
}
