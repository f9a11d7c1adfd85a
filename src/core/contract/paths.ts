import type { KubeObject } from '../../controller-runtime/api/object.js';

/** A provider object's field does not have the type its contract says. */
export class ContractFieldError extends Error {
  override readonly name = 'ContractFieldError';
}

/** The value at a dotted path (`status.initialization.provisioned`), or undefined when any part is missing. */
export function valueAt(obj: KubeObject | Record<string, unknown>, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const describe = (obj: KubeObject): string =>
  `${obj.kind ?? 'object'} ${obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata?.name ?? ''}`;

function typed<T>(obj: KubeObject, path: string, check: (v: unknown) => v is T, what: string): T | undefined {
  const v = valueAt(obj, path);
  if (v === undefined || v === null) return undefined;
  if (!check(v))
    throw new ContractFieldError(`${describe(obj)}: ${path} must be ${what}, got ${JSON.stringify(v)}`);
  return v;
}

export const boolAt = (obj: KubeObject, path: string): boolean | undefined =>
  typed(obj, path, (v): v is boolean => typeof v === 'boolean', 'a boolean');

export const stringAt = (obj: KubeObject, path: string): string | undefined =>
  typed(obj, path, (v): v is string => typeof v === 'string', 'a string');

export const intAt = (obj: KubeObject, path: string): number | undefined =>
  typed(obj, path, (v): v is number => typeof v === 'number' && Number.isInteger(v), 'an integer');

export const arrayAt = (obj: KubeObject, path: string): unknown[] | undefined =>
  typed(obj, path, (v): v is unknown[] => Array.isArray(v), 'a list');

export const objectAt = (obj: KubeObject, path: string): Record<string, unknown> | undefined =>
  typed(
    obj,
    path,
    (v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v),
    'an object',
  );
