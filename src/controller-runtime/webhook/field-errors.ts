/**
 * Validation failures as apimachinery's `field.Error`: `type` becomes `details.causes[].reason`, `field` the
 * dotted path (`spec.replicas`, `metadata.labels[app]`, `spec.items[2].name`), `detail` the text after it.
 * Webhooks answer with these so a user sees the same 422 and field paths as from upstream's webhooks.
 */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  detail: string;
}

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotFound'
  | 'FieldValueForbidden'
  | 'FieldValueDuplicate'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError';

const badValue = (value: unknown): string => (value === undefined ? 'null' : JSON.stringify(value));

export const fieldError = {
  required: (field: string, detail = ''): FieldError => ({
    type: 'FieldValueRequired',
    field,
    detail: detail ? `Required value: ${detail}` : 'Required value',
  }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueInvalid',
    field,
    detail: `Invalid value: ${badValue(value)}: ${detail}`,
  }),
  notSupported: (field: string, value: unknown, supported: readonly string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field,
    detail: `Unsupported value: ${badValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  }),
  forbidden: (field: string, detail: string): FieldError => ({
    type: 'FieldValueForbidden',
    field,
    detail: `Forbidden: ${detail}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({
    type: 'FieldValueDuplicate',
    field,
    detail: `Duplicate value: ${badValue(value)}`,
  }),
  tooMany: (field: string, actual: number, max: number): FieldError => ({
    type: 'FieldValueTooMany',
    field,
    detail: `Too many: ${actual}: must have at most ${max} items`,
  }),
  internal: (field: string, message: string): FieldError => ({
    type: 'InternalError',
    field,
    detail: `Internal error: ${message}`,
  }),
};

/**
 * A webhook's "no": the object is invalid (422 Invalid with causes, as `apierrors.NewInvalid`), or the
 * request is forbidden outright (403, e.g. a delete that must not happen).
 */
export class AdmissionDeniedError extends Error {
  override readonly name = 'AdmissionDeniedError';
  readonly code: number;
  readonly reason: 'Invalid' | 'Forbidden' | 'BadRequest';
  readonly causes: FieldError[];
  readonly kind: string;
  readonly objectName: string;

  constructor(options: {
    kind: string;
    name: string;
    causes?: FieldError[];
    reason?: 'Invalid' | 'Forbidden' | 'BadRequest';
    message?: string;
  }) {
    const causes = options.causes ?? [];
    const reason = options.reason ?? 'Invalid';
    const summary = causes.length
      ? causes.map((c) => `${c.field}: ${c.detail}`).join(', ')
      : (options.message ?? 'denied');
    const message =
      options.message ??
      (causes.length === 1
        ? `${options.kind} "${options.name}" is invalid: ${summary}`
        : `${options.kind} "${options.name}" is invalid: [${summary}]`);
    super(message);
    this.kind = options.kind;
    this.objectName = options.name;
    this.causes = causes;
    this.reason = reason;
    this.code = reason === 'Invalid' ? 422 : reason === 'Forbidden' ? 403 : 400;
  }
}

export const isAdmissionDenied = (err: unknown): err is AdmissionDeniedError =>
  err instanceof AdmissionDeniedError;

/**
 * Throws a 422 when `errors` is not empty, worded as `apierrors.NewInvalid` words it: `qualifiedKind` is the kind
 * with its group (`Machine.cluster.x-k8s.io "m-1" is invalid: ...`), and the message repeats no identical error
 * (`field.ErrorList.ToAggregate` drops them) while the causes keep every one, so users and scripts see the same
 * text as from upstream's webhooks.
 */
export function denyIfInvalid(qualifiedKind: string, name: string, errors: FieldError[]): void {
  if (errors.length === 0) return;
  const unique = [...new Set(errors.map((e) => `${e.field}: ${e.detail}`))];
  const summary = unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
  throw new AdmissionDeniedError({
    kind: qualifiedKind,
    name,
    causes: errors,
    message: `${qualifiedKind} "${name}" is invalid: ${summary}`,
  });
}

/**
 * A plain "no" (403): what controller-runtime answers when a defaulter or validator returns an error that is
 * not an API status, e.g. an unparsable annotation or a feature gate that is off.
 */
export function denyForbidden(kind: string, name: string, message: string): never {
  throw new AdmissionDeniedError({ kind, name, reason: 'Forbidden', message });
}
