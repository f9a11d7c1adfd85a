import type { KubeObject, ObjectKey, TypeRef } from '../controller-runtime/api/object.js';
import type { ListOptions, ObjectList, Reader } from '../controller-runtime/client/client.js';
import type { WebhookRegistration } from '../controller-runtime/webhook/webhook.js';
import { DEFAULT_FEATURE_GATES, type FeatureGates } from '../core/api/feature-gates.js';
import { coreWebhooks } from '../core/webhooks/index.js';
import { bootstrapKubeadmWebhooks } from '../providers/bootstrap-kubeadm/webhooks/index.js';
import { controlPlaneKubeadmWebhooks } from '../providers/control-plane-kubeadm/webhooks/index.js';
import { infrastructureDevWebhooks } from '../providers/infrastructure-dev/webhooks/index.js';

/**
 * The feature gates of the management plane, one set for core and every provider. MachineTaintPropagation is
 * alpha upstream, but upstream's own in-memory templates set taints, and user YAML must apply unchanged.
 */
export const MANAGEMENT_PLANE_FEATURE_GATES: Readonly<FeatureGates> = {
  ...DEFAULT_FEATURE_GATES,
  MachineTaintPropagation: true,
};

/** Every admission webhook of capi-ts: core and providers, the same set in-process and over HTTPS. */
export function clusterApiWebhooks(options: { reader?: Reader } = {}): WebhookRegistration[] {
  const featureGates = MANAGEMENT_PLANE_FEATURE_GATES;
  return [
    // A topology Cluster written right after its ClusterClass waits up to 2 s (upstream) for the class to be
    // reconciled, so its variables are defaulted and validated against the class's status.
    ...coreWebhooks({ reader: options.reader, featureGates, clusterClassPollTimeoutMs: 2_000 }),
    ...bootstrapKubeadmWebhooks({ featureGates }),
    ...controlPlaneKubeadmWebhooks({ featureGates }),
    ...infrastructureDevWebhooks({ featureGates }),
  ];
}

/**
 * A Reader whose target is set later: the embedded server needs its webhooks before it starts, and the
 * webhooks' lookups need a client of that server, which exists only after it started.
 */
export class DeferredReader implements Reader {
  #target?: Reader;

  set target(reader: Reader) {
    this.#target = reader;
  }

  #reader(): Reader {
    if (!this.#target) throw new Error('the webhook reader is used before the API server is up');
    return this.#target;
  }

  get<T extends KubeObject = KubeObject>(
    type: TypeRef,
    key: ObjectKey,
    options?: { signal?: AbortSignal },
  ): Promise<T> {
    return this.#reader().get<T>(type, key, options);
  }

  list<T extends KubeObject = KubeObject>(type: TypeRef, options?: ListOptions): Promise<ObjectList<T>> {
    return this.#reader().list<T>(type, options);
  }
}
