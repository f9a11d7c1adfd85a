import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { ControllerBuilder } from '../../../controller-runtime/controller/builder.js';
import type { Controller } from '../../../controller-runtime/controller/controller.js';
import type { Request } from '../../../controller-runtime/controller/reconciler.js';
import type { Manager } from '../../../controller-runtime/manager/manager.js';
import type { FeatureGates } from '../../api/feature-gates.js';
import type { ClusterClass } from '../../api/v1beta2/cluster-class-types.js';
import { ContractResolver } from '../../contract/contract-version.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { ExternalTracker } from '../external-tracker.js';
import {
  ClusterClassReconciler,
  ClusterClassType,
  refersTo,
  templateRefsOf,
} from './cluster-class-reconciler.js';

export interface ClusterClassControllerOptions {
  /** Upstream's --clusterclass-concurrency default is 10. */
  maxConcurrentReconciles?: number;
  /** Feature gates (RuntimeSDK); unset ones take `DEFAULT_FEATURE_GATES`. */
  featureGates?: Partial<FeatureGates>;
}

/**
 * Registers the ClusterClass controller: ClusterClasses, and every template kind they name (watched once
 * first met), a template's events going to the classes of its namespace that name it.
 */
export function setupClusterClassController(
  manager: Manager,
  options: ClusterClassControllerOptions = {},
): Controller {
  const classesNaming = (template: KubeObject): Request[] => {
    const out: Request[] = [];
    for (const cc of manager.cache.getInformer<Stored<ClusterClass>>(ClusterClassType).store.values())
      if (
        cc.metadata.namespace === template.metadata.namespace &&
        templateRefsOf(cc).some((ref) => refersTo(ref, template))
      )
        out.push({ namespace: cc.metadata.namespace, name: cc.metadata.name ?? '' });
    return out;
  };
  const tracker = new ExternalTracker(manager.cache, classesNaming);
  const controller = new ControllerBuilder(manager)
    .named('clusterclass')
    .for(ClusterClassType)
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 10 })
    .complete(
      new ClusterClassReconciler({
        client: manager.client,
        resolver: new ContractResolver(manager.client),
        tracker,
        ...(options.featureGates ? { featureGates: options.featureGates } : {}),
      }),
    );
  tracker.controller = controller;
  return controller;
}
