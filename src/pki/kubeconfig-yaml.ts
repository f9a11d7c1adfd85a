import { parse, stringify } from 'yaml';
import type { Kubeconfig } from './kubeconfig.js';
import { InvalidKubeconfigError } from './pki-errors.js';

/** YAML as kubectl writes it; long base64 values stay on one line. */
export function stringifyKubeconfig(kubeconfig: Kubeconfig): string {
  return stringify(kubeconfig, { lineWidth: 0 });
}

/**
 * Parses kubeconfig YAML (or JSON), checking the structure this folder relies on: named cluster, context and
 * user entries. Fields it does not model (exec plugins, extensions) are kept as they are.
 */
export function parseKubeconfig(text: string): Kubeconfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new InvalidKubeconfigError('(document)', 'is not YAML', { cause: err });
  }
  if (!isRecord(doc)) throw new InvalidKubeconfigError('(document)', 'is not a mapping');
  if (doc.kind !== undefined && doc.kind !== 'Config') {
    throw new InvalidKubeconfigError('kind', `expected Config, got ${JSON.stringify(doc.kind)}`);
  }
  const entries = (field: 'clusters' | 'contexts' | 'users', body: 'cluster' | 'context' | 'user'): void => {
    const list = doc[field] ?? [];
    if (!Array.isArray(list)) throw new InvalidKubeconfigError(field, 'must be a list');
    list.forEach((entry, i) => {
      if (!isRecord(entry) || typeof entry.name !== 'string' || !entry.name) {
        throw new InvalidKubeconfigError(`${field}[${i}].name`, 'must be a non-empty string');
      }
      if (!isRecord(entry[body]))
        throw new InvalidKubeconfigError(`${field}[${i}].${body}`, 'must be a mapping');
    });
    doc[field] = list;
  };
  entries('clusters', 'cluster');
  entries('contexts', 'context');
  entries('users', 'user');
  doc['current-context'] ??= '';
  if (typeof doc['current-context'] !== 'string') {
    throw new InvalidKubeconfigError('current-context', 'must be a string');
  }
  return { apiVersion: 'v1', kind: 'Config', preferences: {}, ...doc } as Kubeconfig;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
