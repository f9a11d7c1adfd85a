import { goFormatFloat, goFormatNumber, goJsonMarshal } from '../util/go-format.js';
import {
  findJsonPathGoResults,
  GoByte,
  GoFloat,
  type GoValue,
  INVALID,
  type JsonPathOptions,
} from './jsonpath-evaluate.js';
import type { JsonPathTemplate } from './jsonpath-nodes.js';

/**
 * One value as client-go's `PrintResults` writes it: objects and arrays as compact Go JSON (sorted keys,
 * HTML characters escaped), strings raw, numbers in Go's `%v`, null as `null`, and a missing value
 * (`reflect.Value{}`) as `<no value>`.
 */
export function formatJsonPathValue(value: GoValue): string {
  if (value === INVALID || value === undefined) return '<no value>';
  if (value === null) return 'null';
  if (value instanceof GoFloat) return goFormatFloat(value.value);
  if (value instanceof GoByte) return String(value.value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return goFormatNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return goJsonMarshal(value);
}

/**
 * Joins result lists as kubectl's `-o jsonpath` prints them: the values of one list separated by single
 * spaces, the lists themselves concatenated (literal text in the template supplies any other separator).
 */
export function formatJsonPathResults(results: readonly (readonly GoValue[])[]): string {
  return results.map((set) => set.map(formatJsonPathValue).join(' ')).join('');
}

/**
 * Evaluates and prints a template exactly as `kubectl get -o jsonpath=…` does for one object (or one List
 * object). Missing keys print nothing unless `allowMissingKeys: false`. Throws
 * {@link JsonPathExecutionError}.
 */
export function executeJsonPath(
  template: JsonPathTemplate,
  data: unknown,
  options: JsonPathOptions = {},
): string {
  return formatJsonPathResults(findJsonPathGoResults(template, data, options));
}
