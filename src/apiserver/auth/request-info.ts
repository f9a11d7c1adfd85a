import { statusErrors } from '../errors/status-error.js';
import { parseFieldSelector, requiredValue } from '../query/field-selector.js';
import { isSelectorParseError } from '../query/selector-errors.js';
import type { Attributes } from './attributes.js';

/** What a request is about, as apiserver's RequestInfoFactory derives it from method, path and query. */
export interface RequestInfo extends Attributes {
  isResourceRequest: boolean;
  /** The decoded URL path. */
  path: string;
  /** Kubernetes verb for resource requests; the lowercase HTTP method otherwise. */
  verb: string;
  apiPrefix: '' | 'api' | 'apis';
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path parts from the resource on: `[resource, name, subresource, ...]`. */
  parts: string[];
}

// Path segments that name a verb instead of a resource (`/api/v1/watch/namespaces/ns/pods`).
const SPECIAL_VERBS = new Set(['proxy', 'watch']);
const SPECIAL_VERBS_NO_SUBRESOURCES = new Set(['proxy']);
// `/api/v1/namespaces/<ns>/<x>`: these <x> are subresources of the namespace, anything else a resource in it.
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

const METHOD_VERBS: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/**
 * Parses a request the way apiserver's `RequestInfoFactory.NewRequestInfo` does (prefixes `api`, groupless,
 * and `apis`). `path` is the URL path as received (percent-encoding is decoded here, as Go's `URL.Path` is).
 *
 * - Fewer than three segments, or an unknown prefix: a non-resource request, verb = lowercase method.
 * - GET/HEAD without a name is `list`, or `watch` when `watch` is set to anything but `0`/`false`;
 *   a `fieldSelector` requiring `metadata.name=<n>` then fills in `name`, so `resourceNames` rules apply.
 * - DELETE without a name is `deletecollection`.
 *
 * Throws a 500 StatusError for `/api/v1/watch` with nothing after it, where upstream fails too.
 */
export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const decodedPath = decodePath(path);
  const info: RequestInfo = {
    isResourceRequest: false,
    path: decodedPath,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };

  let parts = splitPath(decodedPath);
  if (parts.length < 3) return info;
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  parts = parts.slice(1);
  let group = '';
  if (prefix === 'apis') {
    // The prefix is consumed, so this asks whether the path had four parts.
    if (parts.length < 3) return info;
    group = parts[0]!;
    parts = parts.slice(1);
  }

  info.apiPrefix = prefix;
  info.apiGroup = group;
  info.isResourceRequest = true;
  info.apiVersion = parts[0]!;
  parts = parts.slice(1);

  if (SPECIAL_VERBS.has(parts[0]!)) {
    if (parts.length < 2) {
      const url = query.size > 0 ? `${decodedPath}?${query.toString()}` : decodedPath;
      throw statusErrors.internal(
        `failed to create RequestInfo: unable to determine kind and namespace from url, ${url}`,
      );
    }
    info.verb = parts[0]!;
    parts = parts.slice(1);
  } else {
    info.verb = METHOD_VERBS[method.toUpperCase()] ?? '';
  }

  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = parts[1]!;
      // `/namespaces/<ns>/<resource>/...` addresses a resource inside the namespace; `/namespaces/<ns>` and
      // `/namespaces/<ns>/status` address the namespace object itself.
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2);
    }
  }
  info.parts = parts;

  if (parts.length >= 3 && !SPECIAL_VERBS_NO_SUBRESOURCES.has(info.verb)) info.subresource = parts[2]!;
  if (parts.length >= 2) info.name = parts[1]!;
  if (parts.length >= 1) info.resource = parts[0]!;

  if (!info.name && info.verb === 'get') {
    info.verb = queryBool(query, 'watch') ? 'watch' : 'list';
    const selected = exactNameFromFieldSelector(query.get('fieldSelector'));
    if (selected !== undefined && isPathSegmentName(selected)) info.name = selected;
  }
  if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
  return info;
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? [] : trimmed.split('/');
}

/** apimachinery's string→bool query conversion: only the first value counts; `0` and `false` are false. */
function queryBool(query: URLSearchParams, key: string): boolean {
  const values = query.getAll(key);
  if (values.length === 0) return false;
  const v = values[0]!;
  return !(v === '0' || v.toLowerCase() === 'false');
}

/** A name usable as a path segment (apimachinery `IsPathSegmentName`). */
function isPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}

/**
 * The value a field selector requires `metadata.name` to equal, if it does (fields.ParseSelector followed by
 * RequiresExactMatch). A selector that fails to parse selects no name, as upstream falls back to a plain list.
 */
export function exactNameFromFieldSelector(selector: string | null): string | undefined {
  if (!selector) return undefined;
  try {
    return requiredValue(parseFieldSelector(selector), 'metadata.name');
  } catch (err) {
    if (isSelectorParseError(err)) return undefined;
    throw err;
  }
}
