import { setCondition } from '../../../controller-runtime/conditions/index.js';
import {
  type ClusterClass,
  type ClusterClassVariable,
  VARIABLE_DEFINITION_FROM_INLINE,
} from '../../api/v1beta2/cluster-class-types.js';
import { ClusterClassCondition, ClusterClassReason } from '../../api/v1beta2/well-known.js';
import type { Stored } from '../cluster/cluster-scope.js';

/** One entry of `status.variables`: every definition of a variable name, and whether they disagree. */
export type ClusterClassStatusVariable = NonNullable<
  NonNullable<ClusterClass['status']>['variables']
>[number];

/** A template reference whose apiVersion is not the newest one its CRD's contract label names. */
export interface OutdatedRef {
  kind: string;
  name: string;
  /** The version the ClusterClass names. */
  current: string;
  /** The version it should name. */
  latest: string;
}

/** What one reconcile of a ClusterClass found out; the conditions are computed from it at the end. */
export interface ClusterClassScope {
  clusterClass: Stored<ClusterClass>;
  /** Why the templates could not all be read and owned (undefined: they were). */
  referencesError?: Error;
  /** Whether `referencesError` is worth showing on the condition (a missing template) or only in the logs. */
  referencesErrorShown?: boolean;
  outdatedRefs: OutdatedRef[];
  /** Why the variables could not be collected (undefined: they were). */
  variableDiscoveryError?: Error;
}

/** What upstream says when the references could not be checked for a reason the user cannot act on. */
export const CHECK_LOGS_MESSAGE = 'Please check controller logs for errors';

/** The `status.variables` entry of one definition, as upstream builds it (`addNewStatusVariable`). */
export function statusVariableOf(variable: ClusterClassVariable, from: string): ClusterClassStatusVariable {
  return {
    name: variable.name,
    definitionsConflict: false,
    definitions: [
      {
        from,
        required: variable.required,
        ...(variable.deprecatedV1Beta1Metadata
          ? { deprecatedV1Beta1Metadata: structuredClone(variable.deprecatedV1Beta1Metadata) }
          : {}),
        schema: structuredClone(variable.schema),
      },
    ],
  };
}

/**
 * `status.variables` from the variables defined inline in `spec.variables`: one entry per name (a later
 * definition of a name replaces an earlier one, as upstream's map does), sorted by name so an unchanged class
 * yields an unchanged status.
 */
export function inlineStatusVariables(clusterClass: ClusterClass): ClusterClassStatusVariable[] {
  const byName = new Map<string, ClusterClassStatusVariable>();
  for (const variable of clusterClass.spec.variables ?? [])
    byName.set(variable.name, statusVariableOf(variable, VARIABLE_DEFINITION_FROM_INLINE));
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Sets `RefVersionsUpToDate` and `VariablesReady` from what the reconcile found (upstream `updateStatus`). */
export function updateClusterClassStatus(s: ClusterClassScope): void {
  setRefVersionsUpToDateCondition(s);
  setVariablesReadyCondition(s);
}

function setRefVersionsUpToDateCondition(s: ClusterClassScope): void {
  const cc = s.clusterClass;
  if (s.referencesError) {
    setCondition(cc, {
      type: ClusterClassCondition.RefVersionsUpToDate,
      status: 'Unknown',
      reason: ClusterClassReason.RefVersionsUpToDateInternalError,
      // Upstream always points at the logs; a missing template is named instead, as that is what the user must fix.
      message: s.referencesErrorShown ? s.referencesError.message : CHECK_LOGS_MESSAGE,
    });
    return;
  }
  if (s.outdatedRefs.length > 0) {
    setCondition(cc, {
      type: ClusterClassCondition.RefVersionsUpToDate,
      status: 'False',
      reason: ClusterClassReason.RefVersionsNotUpToDate,
      message: [
        'The following templateRefs are not using the latest apiVersion:',
        ...s.outdatedRefs.map((r) => `* ${r.kind} ${r.name}: current: ${r.current}, latest: ${r.latest}`),
      ].join('\n'),
    });
    return;
  }
  setCondition(cc, {
    type: ClusterClassCondition.RefVersionsUpToDate,
    status: 'True',
    reason: ClusterClassReason.RefVersionsUpToDate,
  });
}

function setVariablesReadyCondition(s: ClusterClassScope): void {
  const cc = s.clusterClass;
  if (s.variableDiscoveryError) {
    setCondition(cc, {
      type: ClusterClassCondition.VariablesReady,
      status: 'False',
      reason: ClusterClassReason.VariablesReadyVariableDiscoveryFailed,
      message: s.variableDiscoveryError.message,
    });
    return;
  }
  setCondition(cc, {
    type: ClusterClassCondition.VariablesReady,
    status: 'True',
    reason: ClusterClassReason.VariablesReady,
  });
}
