import { type StatusError, statusErrors } from '../errors/status-error.js';
import { goQuote } from '../util/go-format.js';

/**
 * A label or field selector that does not parse, or a metav1.LabelSelector that does not convert. The
 * message is upstream's, word for word (`unable to parse requirement: …`, `invalid selector: …`), because
 * kube-apiserver answers 400 with exactly that text and scripts grep for it.
 */
export class SelectorParseError extends Error {
  readonly selectorKind: 'label' | 'field';
  /** The selector text as given (empty for a metav1.LabelSelector object). */
  readonly selector: string;
  constructor(selectorKind: 'label' | 'field', selector: string, message: string) {
    super(message);
    this.name = 'SelectorParseError';
    this.selectorKind = selectorKind;
    this.selector = selector;
  }
}

export function isSelectorParseError(err: unknown): err is SelectorParseError {
  return err instanceof SelectorParseError;
}

/**
 * A field selector naming a field the resource cannot be selected by. The API server words this per kind
 * of resource, so the error carries only the field; see {@link selectorBadRequest}.
 */
export class UnsupportedFieldSelectorError extends Error {
  readonly field: string;
  readonly value: string;
  constructor(field: string, value: string) {
    super(`field label not supported: ${field}`);
    this.name = 'UnsupportedFieldSelectorError';
    this.field = field;
    this.value = value;
  }
}

export function isUnsupportedFieldSelectorError(err: unknown): err is UnsupportedFieldSelectorError {
  return err instanceof UnsupportedFieldSelectorError;
}

/**
 * How a resource words an unsupported field: `notSupported` (`field label not supported: <label>`) is what
 * custom resources (apiextensions `conversion/converter.go`) and the built-ins with their own field-label
 * conversion (Pod, Node, Event, Secret, Namespace…) say; `metadataOnly` (`"<label>" is not a known field
 * selector: only "metadata.name", "metadata.namespace"`) is apimachinery's
 * `DefaultMetaV1FieldSelectorConversion`, used by kinds that register none (ConfigMap, Lease…).
 */
export type FieldSelectorWording = 'notSupported' | 'metadataOnly';

/** The 400 kube-apiserver answers for a selector error. */
export function selectorBadRequest(
  err: SelectorParseError | UnsupportedFieldSelectorError,
  wording: FieldSelectorWording,
): StatusError {
  if (err instanceof SelectorParseError) return statusErrors.badRequest(err.message);
  if (wording === 'notSupported') return statusErrors.badRequest(`field label not supported: ${err.field}`);
  return statusErrors.badRequest(
    `${goQuote(err.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`,
  );
}
