import { keyString, type KubeObject } from '../../../controller-runtime/api/object.js';
import { ControllerBuilder } from '../../../controller-runtime/controller/builder.js';
import type { Controller } from '../../../controller-runtime/controller/controller.js';
import type { Predicate } from '../../../controller-runtime/controller/predicates.js';
import type { Request } from '../../../controller-runtime/controller/reconciler.js';
import type { Manager } from '../../../controller-runtime/manager/manager.js';
import { type FeatureGates, resolveFeatureGates } from '../../api/feature-gates.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import type { MachineSet } from '../../api/v1beta2/machine-set-types.js';
import { Label, MachineSetPreflightCheck } from '../../api/v1beta2/well-known.js';
import { ContractResolver } from '../../contract/contract-version.js';
import { isSelectorError, labelSelectorAsSelector } from '../../webhooks/util/label-selector.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { CacheConsistency } from '../../../controller-runtime/helpers/cache-consistency.js';
import {
  ClusterType,
  MachineDeploymentType,
  MachineSetReconciler,
  MachineSetType,
  MachineType,
} from './machine-set-reconciler.js';

export interface MachineSetControllerOptions {
  /** Upstream's --machineset-concurrency default is 50. */
  maxConcurrentReconciles?: number;
  /** Gates that differ from the defaults (MachineSetPreflightChecks and ClusterTopology are read). */
  featureGates?: Partial<FeatureGates>;
  /** `--machineset-preflight-checks`: `All` (the default) or check names. */
  preflightChecks?: string[];
}

/** Preflight check names `--machineset-preflight-checks` accepts. */
const SUPPORTED_PREFLIGHT_CHECKS = new Set<string>(Object.values(MachineSetPreflightCheck));

/** Cluster events that matter to MachineSets: creation (they wait for it), spec changes (pause, topology version). */
const clusterChanged: Predicate<Stored<Cluster>> = {
  update: (o, n) =>
    o.metadata.generation !== n.metadata.generation ||
    o.spec?.paused !== n.spec?.paused ||
    !!o.metadata.deletionTimestamp !== !!n.metadata.deletionTimestamp,
  delete: () => false,
};

/** One MachineSet controller per manager: two would both create the missing Machines. */
const registered = new WeakMap<Manager, Controller>();

/**
 * Registers the MachineSet controller with the manager. Calling it again for the same manager returns the
 * controller already registered (controller-runtime refuses a second controller of the same name).
 */
export function setupMachineSetController(
  manager: Manager,
  options: MachineSetControllerOptions = {},
): Controller {
  const existing = registered.get(manager);
  if (existing) return existing;
  const preflightChecks = new Set(options.preflightChecks ?? [MachineSetPreflightCheck.All]);
  for (const check of preflightChecks)
    if (!SUPPORTED_PREFLIGHT_CHECKS.has(check))
      throw new Error(
        `invalid MachineSet preflight check ${JSON.stringify(check)}: valid values are ${[...SUPPORTED_PREFLIGHT_CHECKS].join(', ')}`,
      );
  const machineSets = (
    namespace: string | undefined,
    match: (ms: Stored<MachineSet>) => boolean,
  ): Request[] => {
    const out: Request[] = [];
    for (const ms of manager.cache.getInformer<Stored<MachineSet>>(MachineSetType).store.values())
      if (ms.metadata.namespace === namespace && match(ms))
        out.push({ namespace: ms.metadata.namespace, name: ms.metadata.name ?? '' });
    return out;
  };
  // Orphan Machines go to every MachineSet whose selector matches them, which may adopt them.
  const machineToMachineSets = (m: KubeObject): Request[] => {
    if ((m.metadata.ownerReferences ?? []).some((r) => r.controller === true)) return [];
    return machineSets(m.metadata.namespace, (ms) => {
      const selector = labelSelectorAsSelector(ms.spec.selector);
      return !isSelectorError(selector) && !selector.empty && selector.matches(m.metadata.labels);
    });
  };
  const machineDeploymentToMachineSets = (md: KubeObject): Request[] =>
    machineSets(
      md.metadata.namespace,
      (ms) => ms.metadata.labels?.[Label.MachineDeploymentName] === md.metadata.name,
    );
  const clusterToMachineSets = (cluster: KubeObject): Request[] =>
    machineSets(cluster.metadata.namespace, (ms) => ms.spec.clusterName === cluster.metadata.name);

  const consistency = new CacheConsistency({
    lastSyncedVersion: (type) => manager.cache.getInformer(type).lastSyncResourceVersion,
    cached: (type, namespace, name) =>
      manager.cache.getInformer(type).store.get(keyString({ namespace, name })),
  });
  const controller = new ControllerBuilder(manager)
    .named('machineset')
    .for(MachineSetType)
    .owns(MachineType)
    .watches(MachineType, machineToMachineSets)
    .watches(MachineDeploymentType, machineDeploymentToMachineSets)
    .watches(ClusterType, clusterToMachineSets, { predicates: [clusterChanged as Predicate] })
    .withOptions({ maxConcurrentReconciles: options.maxConcurrentReconciles ?? 50 })
    .complete(
      new MachineSetReconciler({
        client: manager.client,
        resolver: new ContractResolver(manager.client),
        consistency,
        featureGates: resolveFeatureGates(options.featureGates),
        preflightChecks,
        recorder: manager.getEventRecorderFor('machineset-controller'),
      }),
    );
  registered.set(manager, controller);
  return controller;
}
