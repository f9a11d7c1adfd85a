// Validation of a Cluster topology's variable values (Cluster-level and per-part overrides) against the schemas
// its ClusterClass publishes in `status.variables`, as upstream's Cluster webhook runs it after defaulting.
import type { FieldError } from '../../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import type { Cluster, ClusterClass } from '../../api/v1beta2/index.js';
import { type ClusterVariableValue, validateClusterVariables } from '../../topology/variables/index.js';
import type { Loose } from './object.js';

/** The override lists of a topology's workers, by worker name. */
function overridesByName(
  workers: { name?: string; variables?: { overrides?: ClusterVariableValue[] } }[] | undefined,
): Map<string, ClusterVariableValue[] | undefined> {
  return new Map((workers ?? []).map((w) => [w.name ?? '', w.variables?.overrides]));
}

/**
 * Every variable value of the topology: the Cluster-level list must set the required variables; override lists
 * are validated only when present. On update the old values feed transition rules (`oldSelf`).
 */
export function validateTopologyVariables(
  cluster: Loose<Cluster>,
  oldCluster: Loose<Cluster> | undefined,
  cc: Loose<ClusterClass>,
): FieldError[] {
  const topology = cluster.spec?.topology;
  if (!topology) return [];
  const oldTopology = oldCluster?.spec?.topology;
  const definitions = cc.status?.variables ?? [];
  const base = FieldPath.of('spec', 'topology');
  const errs = validateClusterVariables(topology.variables, definitions, {
    path: base.child('variables'),
    validateRequired: true,
    oldValues: oldTopology?.variables,
  });
  const cpOverrides = topology.controlPlane?.variables?.overrides;
  if (cpOverrides?.length) {
    errs.push(
      ...validateClusterVariables(cpOverrides, definitions, {
        path: base.child('controlPlane', 'variables', 'overrides'),
        validateRequired: false,
        oldValues: oldTopology?.controlPlane?.variables?.overrides,
      }),
    );
  }
  for (const list of ['machineDeployments', 'machinePools'] as const) {
    const old = overridesByName(oldTopology?.workers?.[list]);
    for (const worker of topology.workers?.[list] ?? []) {
      const overrides = worker.variables?.overrides;
      if (!overrides?.length) continue;
      errs.push(
        ...validateClusterVariables(overrides, definitions, {
          path: base
            .child('workers', list)
            .key(worker.name ?? '')
            .child('variables', 'overrides'),
          validateRequired: false,
          oldValues: old.get(worker.name ?? ''),
        }),
      );
    }
  }
  return errs;
}
