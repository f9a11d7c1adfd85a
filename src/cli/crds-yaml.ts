import { stringify } from 'yaml';
import type { CustomResourceDefinition } from '../core/api/openapi/crd.js';

/**
 * CRDs as one multi-document YAML stream, the form `kubectl apply -f -` and GitOps tools take. Keys are
 * sorted so the output only changes when a CRD does (diffs between versions stay readable).
 */
export function crdsToYaml(crds: readonly CustomResourceDefinition[]): string {
  return crds.map((crd) => stringify(crd, { sortMapEntries: true })).join('---\n');
}
