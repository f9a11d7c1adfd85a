import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import { isNoKindMatch } from '../../controller-runtime/client/errors.js';
import { getCondition } from '../../controller-runtime/conditions/condition.js';
import { html, type Html } from '../html.js';
import { age, clusterPath, statusClass } from './format.js';

const CLUSTER = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster' } as const;
/** Read as a plain object: the dashboard does not import the control plane provider. */
const KUBEADM_CONTROL_PLANE = {
  apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
  kind: 'KubeadmControlPlane',
} as const;

/** One cluster as the fleet table shows it. */
export interface FleetRow {
  namespace: string;
  name: string;
  /** The Cluster's Available condition (`Unknown` when it has none yet). */
  available: { status: string; reason?: string; message?: string };
  phase?: string;
  version?: string;
  clusterClass?: string;
  controlPlane: { ready?: number; desired?: number };
  workers: { ready?: number; desired?: number };
  created?: string;
  deleting: boolean;
}

export interface Fleet {
  rows: FleetRow[];
  /** The Cluster CRD is not installed: there is no fleet to show. */
  noCrds?: boolean;
}

/**
 * Every Cluster of the management plane, sorted by namespace and name. The Kubernetes version is the
 * topology's, else the KubeadmControlPlane's (one list for all of them).
 */
export async function loadFleet(reader: Reader, signal?: AbortSignal): Promise<Fleet> {
  const opts = signal ? { signal } : {};
  let clusters: KubeObject[];
  try {
    clusters = (await reader.list(CLUSTER, opts)).items;
  } catch (err) {
    if (isNoKindMatch(err)) return { rows: [], noCrds: true };
    throw err;
  }
  const controlPlanes = new Map<string, KubeObject>();
  try {
    for (const cp of (await reader.list(KUBEADM_CONTROL_PLANE, opts)).items) {
      controlPlanes.set(`${cp.metadata.namespace}/${cp.metadata.name}`, cp);
    }
  } catch (err) {
    if (!isNoKindMatch(err)) throw err;
  }
  const rows = clusters.map((cluster): FleetRow => {
    const namespace = cluster.metadata.namespace ?? '';
    const name = cluster.metadata.name ?? '';
    const spec = record(cluster['spec']);
    const status = record(cluster['status']);
    const topology = record(spec['topology']);
    const cpRef = record(spec['controlPlaneRef']);
    const cp =
      str(cpRef['kind']) === KUBEADM_CONTROL_PLANE.kind
        ? controlPlanes.get(`${namespace}/${str(cpRef['name'])}`)
        : undefined;
    const available = getCondition(cluster, 'Available');
    const row: FleetRow = {
      namespace,
      name,
      available: available
        ? { status: available.status, reason: available.reason, message: available.message }
        : { status: 'Unknown', reason: 'NoStatusYet', message: 'the Cluster has no Available condition yet' },
      controlPlane: replicas(status['controlPlane']),
      workers: replicas(status['workers']),
      deleting: Boolean(cluster.metadata.deletionTimestamp),
    };
    const phase = str(status['phase']);
    if (phase) row.phase = phase;
    const version =
      str(topology['version']) ??
      str(record(cp?.['spec'])['version']) ??
      str(record(cp?.['status'])['version']);
    if (version) row.version = version;
    const clusterClass = str(record(topology['classRef'])['name']);
    if (clusterClass) row.clusterClass = clusterClass;
    if (cluster.metadata.creationTimestamp) row.created = cluster.metadata.creationTimestamp;
    return row;
  });
  rows.sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name));
  return { rows };
}

/** Rows whose name, namespace or ClusterClass contain every word of `q` (case-insensitive). */
export function filterFleet(rows: readonly FleetRow[], q: string): FleetRow[] {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...rows];
  return rows.filter((row) => {
    const fields = [row.name, row.namespace, row.clusterClass ?? ''].map((f) => f.toLowerCase());
    return words.every((w) => fields.some((f) => f.includes(w)));
  });
}

/** The filter form above the table: works as a plain GET form, and live through htmx as one types. */
export function renderFleetFilter(q: string): Html {
  return html`<form class="filter" method="get" action="/" role="search">
    <input
      id="filter"
      type="search"
      name="q"
      value="${q}"
      placeholder="Filter by name, namespace or ClusterClass"
      aria-label="Filter clusters"
      autocomplete="off"
      hx-get="/?fragment=1"
      hx-trigger="input changed delay:250ms, search"
      hx-target="#content"
      hx-swap="innerHTML"
    />
  </form>`;
}

/** The live part of the fleet page: healthy/degraded counts and the table. */
export function renderFleet(fleet: Fleet, q: string, now: Date): Html {
  if (fleet.noCrds) {
    return html`<p class="notice">The Cluster API CRDs are not installed: there are no clusters to show.</p>`;
  }
  const all = fleet.rows;
  const healthy = all.filter((r) => r.available.status === 'True').length;
  const shown = filterFleet(all, q);
  return html`<div class="counts" id="fleet-counts">
      <div><span class="count" data-count="total">${all.length}</span> clusters</div>
      <div class="good"><span class="count" data-count="healthy">${healthy}</span> healthy</div>
      <div class="${all.length - healthy > 0 ? 'bad' : 'muted'}">
        <span class="count" data-count="degraded">${all.length - healthy}</span> degraded
      </div>
    </div>
    ${
      q.trim() !== ''
        ? html`<p class="muted" id="fleet-filter-summary">
            Showing ${shown.length} of ${all.length} clusters matching “${q.trim()}”.
          </p>`
        : ''
    }
    <table id="fleet">
      <thead>
        <tr>
          <th>Namespace</th>
          <th>Name</th>
          <th>Available</th>
          <th>Phase</th>
          <th>Version</th>
          <th>ClusterClass</th>
          <th title="ready / desired">Control plane</th>
          <th title="ready / desired">Workers</th>
          <th>Age</th>
        </tr>
      </thead>
      <tbody>
        ${
          shown.length === 0
            ? html`<tr class="empty">
                <td colspan="9" class="muted">
                  ${all.length === 0 ? 'No clusters yet.' : 'No cluster matches the filter.'}
                </td>
              </tr>`
            : shown.map((row) => fleetRow(row, now))
        }
      </tbody>
    </table>`;
}

function fleetRow(row: FleetRow, now: Date): Html {
  const a = row.available;
  return html`<tr data-cluster="${row.namespace}/${row.name}">
    <td>${row.namespace}</td>
    <td><a href="${clusterPath(row.namespace, row.name)}">${row.name}</a></td>
    <td title="${a.message ?? ''}">
      <span class="badge ${statusClass(a.status)}">${a.status}</span>
      ${a.status !== 'True' && a.reason ? html`<span class="reason">${a.reason}</span>` : ''}
      ${row.deleting ? html`<span class="deleting">deleting</span>` : ''}
    </td>
    <td>${row.phase ?? ''}</td>
    <td>${row.version ?? ''}</td>
    <td>${row.clusterClass ?? ''}</td>
    <td class="num">${readyOfDesired(row.controlPlane)}</td>
    <td class="num">${readyOfDesired(row.workers)}</td>
    <td>${age(row.created, now)}</td>
  </tr>`;
}

const readyOfDesired = (r: { ready?: number; desired?: number }): string =>
  r.desired === undefined ? '-' : `${r.ready ?? 0}/${r.desired}`;

function replicas(value: unknown): { ready?: number; desired?: number } {
  const r = record(value);
  const out: { ready?: number; desired?: number } = {};
  if (typeof r['readyReplicas'] === 'number') out.ready = r['readyReplicas'];
  if (typeof r['desiredReplicas'] === 'number') out.desired = r['desiredReplicas'];
  return out;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
