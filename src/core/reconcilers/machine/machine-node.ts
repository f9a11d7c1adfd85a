import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import { type NewCondition, setCondition } from '../../../controller-runtime/conditions/index.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import {
  Annotation,
  Label,
  MachineCondition,
  MachineReason,
  NodeLabelDomain,
  Taint,
} from '../../api/v1beta2/well-known.js';
import type { Stored } from '../cluster/cluster-scope.js';

export const NodeType: TypeRef = { apiVersion: 'v1', kind: 'Node' };

export type Node = KubeObject & {
  spec?: {
    providerID?: string;
    unschedulable?: boolean;
    taints?: { key: string; value?: string; effect: string }[];
  };
  status?: {
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }[];
    nodeInfo?: Record<string, string>;
  };
};

/** The Node with this provider ID, if the workload cluster has one. */
export async function nodeByProviderID(client: Client, providerID: string): Promise<Node | undefined> {
  const nodes = await client.list<Node>(NodeType);
  return nodes.items.find((n) => n.spec?.providerID === providerID);
}

export async function nodeByName(client: Client, name: string): Promise<Node | undefined> {
  try {
    return await client.get<Node>(NodeType, { name });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Machine labels Cluster API keeps in sync on the Node (upstream's domains). */
export function isManagedNodeLabel(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const domain = key.slice(0, slash);
  const inDomain = (d: string): boolean => domain === d || domain.endsWith(`.${d}`);
  return (
    domain === NodeLabelDomain.NodeRolePrefix ||
    inDomain(NodeLabelDomain.NodeRestriction) ||
    inDomain(NodeLabelDomain.ManagedNode)
  );
}

/**
 * What the Machine controller keeps on its Node: the managed Machine labels (and removes the ones it put there
 * before that the Machine no longer has, remembered in `labels-from-machine`), the annotations tracing the Node
 * back to its Machine, and no `node.cluster.x-k8s.io/uninitialized` taint once that is done. Returns the
 * merge patch, or undefined when the Node is already as it should be.
 */
export function nodeSyncPatch(
  node: Node,
  machine: Stored<Machine>,
  owner: { kind: string; name: string } | undefined,
): Record<string, unknown> | undefined {
  const labels = node.metadata.labels ?? {};
  const annotations = node.metadata.annotations ?? {};
  const wanted = Object.fromEntries(
    Object.entries(machine.metadata.labels ?? {}).filter(([k]) => isManagedNodeLabel(k)),
  );
  const before = (annotations[Annotation.LabelsFromMachine] ?? '').split(',').filter(Boolean);
  const labelPatch: Record<string, string | null> = {};
  for (const key of before) if (!(key in wanted) && key in labels) labelPatch[key] = null;
  for (const [k, v] of Object.entries(wanted)) if (labels[k] !== v) labelPatch[k] = v;
  const annotationPatch: Record<string, string> = {};
  const want: Record<string, string> = {
    [Annotation.ClusterNameOnNode]: machine.spec?.clusterName ?? '',
    [Annotation.ClusterNamespaceOnNode]: machine.metadata.namespace ?? '',
    [Annotation.MachineOnNode]: machine.metadata.name ?? '',
    [Annotation.LabelsFromMachine]: Object.keys(wanted).sort().join(','),
    ...(owner ? { [Annotation.OwnerKindOnNode]: owner.kind, [Annotation.OwnerNameOnNode]: owner.name } : {}),
  };
  for (const [k, v] of Object.entries(want)) if (annotations[k] !== v) annotationPatch[k] = v;
  const taints = node.spec?.taints ?? [];
  const withoutUninitialized = taints.filter((t) => t.key !== Taint.NodeUninitialized.key);
  const patch: Record<string, unknown> = {};
  const metadata: Record<string, unknown> = {};
  if (Object.keys(labelPatch).length) metadata.labels = labelPatch;
  if (Object.keys(annotationPatch).length) metadata.annotations = annotationPatch;
  if (Object.keys(metadata).length)
    patch.metadata = { ...metadata, resourceVersion: node.metadata.resourceVersion };
  if (withoutUninitialized.length !== taints.length) {
    patch.spec = { taints: withoutUninitialized };
    patch.metadata = { ...(patch.metadata as object), resourceVersion: node.metadata.resourceVersion };
  }
  return Object.keys(patch).length ? patch : undefined;
}

/** NodeReady mirrors the Node's Ready condition; NodeHealthy adds the pressure conditions. */
export function nodeConditions(
  node: Node | undefined,
  why?: { reason: string; message: string },
): NewCondition[] {
  if (!node) {
    const reason = why?.reason ?? MachineReason.NodeDoesNotExist;
    const message = why?.message ?? 'Waiting for a Node with spec.providerID to exist';
    return [
      { type: MachineCondition.NodeReady, status: 'Unknown', reason, message },
      { type: MachineCondition.NodeHealthy, status: 'Unknown', reason, message },
    ];
  }
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const nodeReady: NewCondition = !ready
    ? {
        type: MachineCondition.NodeReady,
        status: 'Unknown',
        reason: MachineReason.NodeReadyUnknown,
        message: '* Node.Ready: Condition not yet reported',
      }
    : {
        type: MachineCondition.NodeReady,
        status: ready.status === 'True' ? 'True' : ready.status === 'False' ? 'False' : 'Unknown',
        reason:
          ready.status === 'True'
            ? MachineReason.NodeReady
            : ready.status === 'False'
              ? MachineReason.NodeNotReady
              : MachineReason.NodeReadyUnknown,
        ...(ready.status === 'True'
          ? {}
          : { message: `* Node.Ready: ${ready.message || ready.reason || ready.status}` }),
      };
  const issues: string[] = [];
  const unknowns: string[] = [];
  if (!ready) unknowns.push('* Node.Ready: Condition not yet reported');
  else if (ready.status === 'False') issues.push(`* Node.Ready: ${ready.message || ready.reason || 'False'}`);
  else if (ready.status !== 'True')
    unknowns.push(`* Node.Ready: ${ready.message || ready.reason || 'Unknown'}`);
  for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) {
    const c = conditions.find((x) => x.type === type);
    if (c?.status === 'True') issues.push(`* Node.${type}: ${c.message || c.reason || 'True'}`);
    else if (c && c.status !== 'False') unknowns.push(`* Node.${type}: ${c.message || 'Unknown'}`);
  }
  const nodeHealthy: NewCondition = issues.length
    ? {
        type: MachineCondition.NodeHealthy,
        status: 'False',
        reason: MachineReason.NodeNotHealthy,
        message: [...issues, ...unknowns].join('\n'),
      }
    : unknowns.length
      ? {
          type: MachineCondition.NodeHealthy,
          status: 'Unknown',
          reason: MachineReason.NodeHealthUnknown,
          message: unknowns.join('\n'),
        }
      : { type: MachineCondition.NodeHealthy, status: 'True', reason: MachineReason.NodeHealthy };
  return [nodeReady, nodeHealthy];
}

export function setNodeConditions(machine: Stored<Machine>, conditions: NewCondition[]): void {
  for (const c of conditions) setCondition(machine, c);
}

export const isControlPlaneMachine = (m: { metadata?: { labels?: Record<string, string> } }): boolean =>
  Label.ControlPlane in (m.metadata?.labels ?? {});
