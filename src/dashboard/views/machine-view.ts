import { machineTimeline, type MachineTimeline } from '../../clusterctl/describe/machine-timeline.js';
import { MachineNotFoundError } from '../../clusterctl/errors.js';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import { isNotFoundOrNoKind } from '../../controller-runtime/client/errors.js';
import { getConditions } from '../../controller-runtime/conditions/condition.js';
import { html, type Html } from '../html.js';
import { age, clusterPath, conditionsTable, timeCell } from './format.js';

const MACHINE = { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine' } as const;

export interface MachineDetails {
  machine: KubeObject;
  timeline: MachineTimeline;
}

/** The Machine (for its conditions) and its timeline; `MachineNotFoundError` when there is no such Machine. */
export async function loadMachineDetails(
  reader: Reader,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<MachineDetails> {
  const opts = signal ? { signal } : {};
  let machine: KubeObject;
  try {
    machine = await reader.get(MACHINE, { namespace, name }, opts);
  } catch (err) {
    if (isNotFoundOrNoKind(err)) throw new MachineNotFoundError(namespace, name);
    throw err;
  }
  return { machine, timeline: await machineTimeline(reader, namespace, name, opts) };
}

/** The live part of a machine's page: summary, what it waits for, its timeline and its conditions. */
export function renderMachineDetails(details: MachineDetails, now: Date): Html {
  const m = details.timeline.machine;
  const w = details.timeline.waiting;
  const entries = details.timeline.entries;
  return html`<dl class="summary" id="machine-summary">
      <dt>Cluster</dt>
      <dd>${m.cluster ? html`<a href="${clusterPath(m.namespace, m.cluster)}">${m.cluster}</a>` : ''}</dd>
      <dt>Namespace</dt>
      <dd>${m.namespace}</dd>
      <dt>Phase</dt>
      <dd class="${m.deleting ? 'deleting' : m.phase === 'Running' ? 'good' : ''}">
        ${m.phase || '-'}${m.deleting ? ' (deleting)' : ''}
      </dd>
      <dt>Version</dt>
      <dd>${m.version ?? ''}</dd>
      <dt>Node</dt>
      <dd>${m.nodeName ?? html`<span class="muted">none yet</span>`}</dd>
      <dt>Age</dt>
      <dd>${age(details.machine.metadata.creationTimestamp, now)}</dd>
    </dl>
    ${
      w
        ? html`<div id="waiting" role="status">
            <strong>Waiting: ${w.reason}</strong> — <span class="message">${w.message}</span>
            ${w.since ? html`<span class="since">(for ${age(w.since, now)})</span>` : ''}
          </div>`
        : html`<p class="good" id="not-waiting">
            Not waiting for anything: the Machine is running and healthy.
          </p>`
    }
    <h2>Timeline</h2>
    ${
      entries.length === 0
        ? html`<p class="muted" id="timeline">No events or condition transitions recorded.</p>`
        : html`<table id="timeline">
            <thead>
              <tr>
                <th>Time</th>
                <th>Source</th>
                <th>Reason</th>
                <th>Message</th>
                <th>Count</th>
              </tr>
            </thead>
            <tbody>
              ${entries.map(
                (e) =>
                  html`<tr
                    class="${e.type === 'Warning' ? 'warning' : ''}"
                    data-category="${e.category}"
                    data-type="${e.type}"
                  >
                    <td>${timeCell(e.time, now)}</td>
                    <td>${e.source.kind}/${e.source.name}</td>
                    <td>${e.reason}</td>
                    <td class="message">${e.message}</td>
                    <td class="num">${e.count ?? ''}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h2>Conditions</h2>
    ${conditionsTable(getConditions(details.machine), now, 'machine-conditions')}`;
}
