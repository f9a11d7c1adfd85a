import { StatusError } from '../errors/status-error.js';
import { type FieldPath, compareStrings, goQuote, pathToString } from './field-path.js';
import { parseManagerIdentifier } from './managed-fields-codec.js';

/** One field an apply would change that another manager owns. */
export interface FieldConflict {
  /** The other manager's identifier (see `managerIdentifier`). */
  readonly managerId: string;
  readonly path: FieldPath;
}

/** A conflict as clients see it. */
export interface ApplyConflict {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion?: string;
  subresource?: string;
  /** `.spec.replicas`, `.spec.containers[name="app"].image`. */
  field: string;
}

/**
 * 409 answer to a server-side apply that would take fields from other managers without `force`
 * (apimachinery `NewConflictError`): one `FieldManagerConflict` cause per field.
 */
export class ApplyConflictError extends StatusError {
  readonly conflicts: readonly ApplyConflict[];
  constructor(conflicts: readonly FieldConflict[]) {
    super(409, 'Conflict', conflictMessage(conflicts), {
      causes: conflicts.map((c) => ({
        reason: 'FieldManagerConflict',
        message: `conflict with ${printManager(c.managerId)}`,
        field: pathToString(c.path),
      })),
    });
    this.name = 'ApplyConflictError';
    this.conflicts = conflicts.map((c) => {
      const who = parseManagerIdentifier(c.managerId);
      return {
        manager: who?.manager ?? c.managerId,
        operation: who?.operation ?? 'Update',
        ...(who?.apiVersion ? { apiVersion: who.apiVersion } : {}),
        ...(who?.subresource ? { subresource: who.subresource } : {}),
        field: pathToString(c.path),
      };
    });
  }
}

export function isApplyConflict(err: unknown): err is ApplyConflictError {
  return err instanceof ApplyConflictError;
}

/**
 * `"kubectl"` for an applier, `"kubectl" using apps/v1` for an updater, with ` with subresource "status"`
 * after the name when the manager wrote through a subresource.
 */
export function printManager(managerId: string): string {
  const who = parseManagerIdentifier(managerId);
  if (!who) return goQuote(managerId);
  let s = goQuote(who.manager);
  if (who.subresource) s = `${s} with subresource ${goQuote(who.subresource)}`;
  if (who.operation === 'Update') return `${s} using ${who.apiVersion ?? ''}`;
  return s;
}

function conflictMessage(conflicts: readonly FieldConflict[]): string {
  const first = conflicts[0];
  if (conflicts.length === 1 && first)
    return `Apply failed with 1 conflict: conflict with ${printManager(first.managerId)}: ${pathToString(first.path)}`;
  const byManager = new Map<string, FieldPath[]>();
  for (const c of conflicts) {
    const paths = byManager.get(c.managerId) ?? [];
    paths.push(c.path);
    byManager.set(c.managerId, paths);
  }
  const lines: string[] = [];
  for (const id of [...byManager.keys()].sort(compareStrings)) {
    lines.push(`conflicts with ${printManager(id)}:`);
    for (const p of byManager.get(id) ?? []) lines.push(`- ${pathToString(p)}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}
