import type { KubeObject } from '../../controller-runtime/api/object.js';
import { setCondition } from '../../controller-runtime/conditions/index.js';
import { Annotation, CommonCondition, CommonReason } from '../api/v1beta2/well-known.js';

/**
 * Paused by its Cluster (`spec.paused`) or by the object's own `cluster.x-k8s.io/paused` annotation: every
 * controller (core and providers, by contract) leaves such objects alone and says so in `Paused`.
 */
export function isPaused(cluster: { spec?: { paused?: boolean } } | undefined, obj: KubeObject): boolean {
  return cluster?.spec?.paused === true || Annotation.Paused in (obj.metadata.annotations ?? {});
}

/** Sets the v1beta2 `Paused` condition; returns whether the object is paused. */
export function setPausedCondition(obj: KubeObject, paused: boolean): boolean {
  setCondition(obj, {
    type: CommonCondition.Paused,
    status: paused ? 'True' : 'False',
    reason: paused ? CommonReason.Paused : CommonReason.NotPaused,
  });
  return paused;
}
