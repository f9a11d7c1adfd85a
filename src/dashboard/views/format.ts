import { shortDuration } from '../../clusterctl/output.js';
import type { Condition } from '../../controller-runtime/conditions/condition.js';
import { isPositivePolarity } from '../../clusterctl/describe/describe-tree.js';
import { html, type Html } from '../html.js';

/** `good`, `bad` or `unknown`: the CSS class of a condition status. */
export function statusClass(status: string, positivePolarity = true): 'good' | 'bad' | 'unknown' {
  if (status !== 'True' && status !== 'False') return 'unknown';
  return (status === 'True') === positivePolarity ? 'good' : 'bad';
}

/** A coloured `Type: Status` pill. */
export function conditionBadge(
  type: string,
  status: string,
  positivePolarity = isPositivePolarity(type),
): Html {
  return html`<span class="badge ${statusClass(status, positivePolarity)}" data-condition="${type}"
    >${type}: ${status}</span
  >`;
}

/** `4s`, `3m`, `2h`, `5d` since an RFC 3339 time; empty when there is none. */
export function age(timestamp: string | undefined, now: Date): string {
  if (!timestamp) return '';
  const at = Date.parse(timestamp);
  return Number.isNaN(at) ? '' : shortDuration(now.getTime() - at);
}

/** `<time>` with the UTC time as text and its age as a tooltip. */
export function timeCell(timestamp: string | undefined, now: Date): Html {
  if (!timestamp) return html``;
  const at = Date.parse(timestamp);
  if (Number.isNaN(at)) return html`${timestamp}`;
  const text = new Date(at)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return html`<time datetime="${timestamp}" title="${age(timestamp, now)} ago">${text}</time>`;
}

/** Every condition of an object: type, status, reason, message and how long it has been so. */
export function conditionsTable(conditions: readonly Condition[], now: Date, id: string): Html {
  if (conditions.length === 0) return html`<p class="muted" id="${id}">No conditions reported yet.</p>`;
  return html`<table id="${id}" class="conditions">
    <thead>
      <tr>
        <th>Type</th>
        <th>Status</th>
        <th>Reason</th>
        <th>Since</th>
        <th>Message</th>
      </tr>
    </thead>
    <tbody>
      ${conditions.map(
        (c) =>
          html`<tr data-condition="${c.type}">
            <td>${c.type}</td>
            <td>
              <span class="badge ${statusClass(c.status, isPositivePolarity(c.type))}">${c.status}</span>
            </td>
            <td>${c.reason ?? ''}</td>
            <td>${age(c.lastTransitionTime, now)}</td>
            <td class="message">${c.message ?? ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** URL path of a cluster's page. */
export const clusterPath = (namespace: string, name: string): string =>
  `/clusters/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

/** URL path of a machine's page. */
export const machinePath = (namespace: string, name: string): string =>
  `/machines/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
