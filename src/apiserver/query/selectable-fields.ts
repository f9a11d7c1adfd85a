import { goSprintV } from '../util/go-format.js';
import { findJsonPathResults } from './jsonpath-evaluate.js';
import { parseJsonPathExpression } from './jsonpath-parser.js';
import type { KubeObject } from '../registry/resource-definition.js';

/**
 * The field-selector values of a CRD version's `selectableFields` (apiextensions
 * `customresource/strategy.go`): each `jsonPath` (`.spec.color`) names the field `spec.color`, whose value
 * is Go's `fmt.Sprint` of the single JSONPath result (`red`, `3`, `true`), or "" when absent or null.
 * Paths are compiled once: an unparsable one throws `JsonPathParseError` here, and a path with
 * several results makes the reader throw, as upstream fails the request (CRD validation rules out both).
 */
export function selectableFieldsReader(
  jsonPaths: readonly string[],
): (obj: KubeObject) => Record<string, string> {
  const compiled = jsonPaths.map((path) => ({
    name: path.replace(/^\./, ''),
    template: parseJsonPathExpression(path),
  }));
  return (obj) => {
    const fields: Record<string, string> = {};
    for (const { name, template } of compiled) {
      const results = findJsonPathResults(template, obj, { allowMissingKeys: true });
      const first = results[0] ?? [];
      if (results.length > 1 || first.length > 1) {
        throw new Error(`unexpectedly received more than one JSON path result`);
      }
      const value = first[0];
      fields[name] = value === null || value === undefined ? '' : goSprintV(value);
    }
    return fields;
  };
}
