/**
 * Go's fmt verbs for the few messages that kube-apiserver builds with `%v` / `%#v` over decoded JSON
 * (`map[string]interface {}`, `[]interface {}`, float64, ...), so our messages read like the real ones.
 */
import { goFormatFloat, goQuote } from '../util/go-format.js';
import { isObject, text } from './object-access.js';

export { goQuote };

/** strconv.FormatFloat(f, 'g', -1, 64): what `%v` prints for a JSON number decoded into interface{}. */
export const goFloat = goFormatFloat;

/**
 * `%v` of a JSON value decoded into interface{} by encoding/json, where every number is a float64 (unlike
 * unstructured decoding, see util/go-format's goSprintV). Maps print with sorted keys, as Go's fmt does.
 */
export function goSprintV(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return goFloat(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(goSprintV).join(' ')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${goSprintV(value[k])}`).join(' ')}]`;
  }
  return typeof value === 'bigint' ? value.toString() : typeof value;
}

/** reflect.TypeOf(v).String() for a decoded JSON value. */
export function goTypeName(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return 'float64';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** `%#v` of a map[string]string, e.g. `map[string]string{"app":"x"}` (keys sorted, like Go). */
export function goSyntaxStringMap(value: unknown): string {
  if (!isObject(value)) return 'map[string]string(nil)';
  const keys = Object.keys(value).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(text(value[k]))}`).join(', ')}}`;
}

/** `%#v` of a metav1.LabelSelector as the apps validation messages print it. */
export function goSyntaxLabelSelector(selector: unknown): string {
  if (!isObject(selector)) return '(*v1.LabelSelector)(nil)';
  const labels = selector.matchLabels;
  const exprs = Array.isArray(selector.matchExpressions)
    ? selector.matchExpressions.filter(isObject)
    : undefined;
  const exprText =
    exprs === undefined
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${exprs
          .map((e) => {
            const values = Array.isArray(e.values)
              ? `[]string{${e.values.map((v) => goQuote(text(v))).join(', ')}}`
              : '[]string(nil)';
            return `v1.LabelSelectorRequirement{Key:${goQuote(text(e.key))}, Operator:${goQuote(text(e.operator))}, Values:${values}}`;
          })
          .join(', ')}}`;
  return `v1.LabelSelector{MatchLabels:${goSyntaxStringMap(labels)}, MatchExpressions:${exprText}}`;
}

/** `%#v` of an intstr.IntOrString value (validation prints the struct, not its String()). */
export function goSyntaxIntOrString(value: unknown): string {
  if (typeof value === 'number') return `intstr.IntOrString{Type:0, IntVal:${value}, StrVal:""}`;
  return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(text(value))}}`;
}
