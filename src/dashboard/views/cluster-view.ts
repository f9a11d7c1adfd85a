import { type ClusterAddonSet, loadClusterAddons } from '../../clusterctl/describe/cluster-addons.js';
import type { DescribeNode, NodeCondition } from '../../clusterctl/describe/describe-tree.js';
import { buildClusterTree } from '../../clusterctl/describe/describe-tree.js';
import { loadClusterObjects } from '../../clusterctl/describe/fetch.js';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import { getCondition, getConditions } from '../../controller-runtime/conditions/condition.js';
import { html, type Html } from '../html.js';
import { age, conditionsTable, machinePath, statusClass } from './format.js';

export interface ClusterDetails {
  cluster: KubeObject;
  /** `capi describe cluster`'s tree, with every Machine on its own row (grouping off). */
  tree: DescribeNode;
  /** The ClusterResourceSets that select the Cluster or applied something to it. */
  addons: ClusterAddonSet[];
}

/**
 * The Cluster and its `describe cluster` tree, from one read of its objects. Throws `ClusterNotFoundError`
 * when there is no such Cluster.
 */
export async function loadClusterDetails(
  reader: Reader,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<ClusterDetails> {
  const objects = await loadClusterObjects(reader, {
    namespace,
    name,
    resourceSetBinding: true,
    ...(signal ? { signal } : {}),
  });
  const addons = await loadClusterAddons(reader, objects.cluster, objects.resourceSetBinding, signal);
  // Grouping folds look-alike Machines into one row; here each must stay a row its link can point at.
  return { cluster: objects.cluster, tree: buildClusterTree(objects, { grouping: false }), addons };
}

/** The live part of a cluster's page: summary, object tree, add-ons, and the Cluster's conditions. */
export function renderClusterDetails(details: ClusterDetails, now: Date): Html {
  const { cluster, tree } = details;
  const namespace = cluster.metadata.namespace ?? '';
  const spec = record(cluster['spec']);
  const status = record(cluster['status']);
  const topology = record(spec['topology']);
  const available = getCondition(cluster, 'Available');
  const version = str(topology['version']) ?? tree.children.find((c) => c.role === 'ControlPlane')?.version;
  return html`<dl class="summary" id="cluster-summary">
      <dt>Namespace</dt>
      <dd>${namespace}</dd>
      <dt>Available</dt>
      <dd>
        ${
          available
            ? html`<span class="badge ${statusClass(available.status)}">${available.status}</span> ${
                  available.status !== 'True'
                    ? html`<span class="reason">${available.reason}</span>
                        ${available.message ? html`<div class="message">${available.message}</div>` : ''}`
                    : ''
                }`
            : html`<span class="badge unknown">Unknown</span> <span class="muted">not reported yet</span>`
        }
      </dd>
      <dt>Phase</dt>
      <dd>${str(status['phase']) ?? ''}</dd>
      <dt>Kubernetes version</dt>
      <dd>${version ?? ''}</dd>
      <dt>ClusterClass</dt>
      <dd>${str(record(topology['classRef'])['name']) ?? html`<span class="muted">none</span>`}</dd>
      <dt>Control plane</dt>
      <dd>${readyOfDesired(status['controlPlane'])}</dd>
      <dt>Workers</dt>
      <dd>${readyOfDesired(status['workers'])}</dd>
      <dt>Age</dt>
      <dd>${age(cluster.metadata.creationTimestamp, now)}</dd>
      ${
        spec['paused'] === true
          ? html`<dt>Paused</dt>
              <dd class="bad">yes</dd>`
          : ''
      }
      ${
        cluster.metadata.deletionTimestamp
          ? html`<dt>Deleting</dt>
              <dd class="deleting">yes</dd>`
          : ''
      }
    </dl>
    <h2>Objects</h2>
    <ul class="tree" id="tree">
      ${treeNode(tree, namespace)}
    </ul>
    <h2>Add-ons</h2>
    ${addonsTable(details.addons, now)}
    <h2>Conditions</h2>
    ${conditionsTable(getConditions(cluster), now, 'cluster-conditions')}`;
}

/**
 * The ClusterResourceSets of the cluster: each resource marked applied, failed or not tried yet (with when it
 * was applied), and the set's ResourcesApplied with its reason and message when it is not True.
 */
function addonsTable(sets: readonly ClusterAddonSet[], now: Date): Html {
  if (sets.length === 0)
    return html`<p class="muted" id="addons">No ClusterResourceSet selects this cluster.</p>`;
  return html`<table id="addons" class="conditions">
    <thead>
      <tr>
        <th>ClusterResourceSet</th>
        <th>Strategy</th>
        <th>Resources</th>
        <th>Applied</th>
      </tr>
    </thead>
    <tbody>
      ${sets.map((set) => {
        const c = set.resourcesApplied;
        return html`<tr data-set="${set.name}">
          <td>
            ${set.name}
            ${
              set.deleted
                ? html`<div class="muted">deleted; its objects stay in the cluster</div>`
                : !set.selects
                  ? html`<div class="muted">no longer selects this cluster</div>`
                  : ''
            }
          </td>
          <td>${set.strategy}</td>
          <td>
            ${set.resources.map((r) => {
              const cls = r.applied === undefined ? 'unknown' : r.applied ? 'good' : 'bad';
              const state =
                r.applied === undefined
                  ? 'not applied yet'
                  : `${r.applied ? 'applied' : 'failed'} ${age(r.lastAppliedTime, now)} ago`;
              return html`<span class="badge ${cls}" data-resource="${r.kind}/${r.name}" title="${state}"
                >${r.kind}/${r.name}</span
              > `;
            })}
          </td>
          <td>
            ${
              c
                ? html`<span class="badge ${statusClass(c.status)}">${c.status}</span> ${
                      c.status !== 'True'
                        ? html`<span class="reason">${c.reason ?? ''}</span>
                            ${c.message ? html`<div class="message">${c.message}</div>` : ''}`
                        : ''
                    }`
                : html`<span class="muted">not reported yet</span>`
            }
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

function treeNode(node: DescribeNode, namespace: string): Html {
  return html`<li class="node ${node.type}" data-kind="${node.kind}" data-name="${node.name}">
    <div class="row">
      ${nodeName(node, namespace)} ${node.deleting ? html`<span class="deleting">deleting</span>` : ''}
      ${
        node.replicas && node.kind !== 'Machine'
          ? html`<span class="replicas muted" title="current / desired">${node.replicas}</span>`
          : ''
      }
      ${counterBadges(node)} ${summaryBadge(node.summary)} ${blocking(node)}
    </div>
    ${
      node.children.length > 0
        ? html`<ul>
            ${node.children.map((child) => treeNode(child, namespace))}
          </ul>`
        : ''
    }
  </li>`;
}

function nodeName(node: DescribeNode, namespace: string): Html {
  if (node.type === 'object' && node.kind === 'Machine') {
    return html`<a
      class="name"
      data-machine="${namespace}/${node.name}"
      href="${machinePath(namespace, node.name)}"
      >${node.displayName}</a
    >`;
  }
  if (node.type === 'group') {
    const links = (node.groupItems ?? []).map(
      (name) =>
        html`<a data-machine="${namespace}/${name}" href="${machinePath(namespace, name)}">${name}</a>`,
    );
    return html`<span class="name">${node.displayName}</span> ${links}`;
  }
  return html`<span class="name">${node.displayName}</span>`;
}

/**
 * Available, Ready and UpToDate: for a Machine whether each holds, for anything with replicas how many of
 * the desired hold it (red until all do).
 */
function counterBadges(node: DescribeNode): Html {
  const counters: [string, string | undefined][] = [
    ['Available', node.available],
    ['Ready', node.ready],
    ['UpToDate', node.upToDate],
  ];
  if (node.kind === 'Machine' && node.type === 'object') {
    return html`${counters.map(
      ([label, value]) =>
        html`<span class="badge ${value === '1' ? 'good' : 'bad'}" data-counter="${label}">${label}</span>`,
    )}`;
  }
  const desired = node.replicas?.split('/')[1];
  return html`${counters
    .filter(([, value]) => value !== undefined)
    .map(([label, value]) => {
      const cls = desired === undefined ? 'unknown' : value === desired ? 'good' : 'bad';
      return html`<span
        class="badge ${cls}"
        data-counter="${label}"
        title="${label}: ${value} of ${desired ?? '?'}"
        >${label} ${value}</span
      >`;
    })}`;
}

function summaryBadge(condition: NodeCondition | undefined): Html {
  if (!condition) return html``;
  return html`<span
      class="badge ${statusClass(condition.status, condition.positivePolarity)}"
      data-condition="${condition.type}"
      >${condition.type}: ${condition.status}</span
    >
    <span class="reason muted">${condition.reason}</span>`;
}

/** Why something is not ready: the reason and message of its condition, or why its object is missing. */
function blocking(node: DescribeNode): Html {
  if (node.type === 'missing') return html`<div class="blocking bad">NotFound — ${node.note ?? ''}</div>`;
  const c = node.summary;
  if (!c || statusClass(c.status, c.positivePolarity) === 'good') {
    return node.note && node.type !== 'group' ? html`<div class="blocking">${node.note}</div>` : html``;
  }
  return html`<div class="blocking">
    <strong>${c.reason}</strong>${c.message ? html` — <span class="message">${c.message}</span>` : ''}
  </div>`;
}

function readyOfDesired(value: unknown): string {
  const r = record(value);
  if (typeof r['desiredReplicas'] !== 'number') return '-';
  return `${typeof r['readyReplicas'] === 'number' ? r['readyReplicas'] : 0}/${r['desiredReplicas']} ready`;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
