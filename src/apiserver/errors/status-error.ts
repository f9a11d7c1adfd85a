import { type FieldError, fieldErrorMessage } from './field-error.js';

/** The Kubernetes `Status` object every failed request answers with. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message?: string; field?: string }[];
  retryAfterSeconds?: number;
}

/** A failure that maps one-to-one onto an HTTP status and a Kubernetes `Status` body. */
export class StatusError extends Error {
  readonly status: Status;
  constructor(code: number, reason: string | undefined, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'StatusError';
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      ...(reason ? { reason } : {}),
      ...(details ? { details } : {}),
      code,
    };
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

export function isStatusError(err: unknown): err is StatusError {
  return err instanceof StatusError;
}

/** `widgets.test.example.com` or `configmaps` (core group): how resources are named in messages. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export const statusErrors = {
  notFound: (gr: GroupResource, name: string): StatusError =>
    new StatusError(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, {
      name,
      group: gr.group,
      kind: gr.resource,
    }),
  notFoundPath: (): StatusError =>
    new StatusError(404, 'NotFound', 'the server could not find the requested resource', {}),
  alreadyExists: (gr: GroupResource, name: string): StatusError =>
    new StatusError(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, {
      name,
      group: gr.group,
      kind: gr.resource,
    }),
  conflict: (gr: GroupResource, name: string, why: string): StatusError =>
    new StatusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`,
      {
        name,
        group: gr.group,
        kind: gr.resource,
      },
    ),
  modified: (gr: GroupResource, name: string): StatusError =>
    statusErrors.conflict(
      gr,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    ),
  /**
   * 422: note the details carry the Kind (not the plural), as apimachinery's NewInvalid does. The message lists
   * each distinct error once (field.ErrorList.ToAggregate); the causes keep every entry.
   */
  invalid: (group: string, kind: string, name: string, errors: readonly FieldError[]): StatusError => {
    const messages = [...new Set(errors.map(fieldErrorMessage))];
    const list = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
    const qualified = group ? `${kind}.${group}` : kind;
    return new StatusError(422, 'Invalid', `${qualified} "${name}" is invalid: ${list}`, {
      name,
      group,
      kind,
      causes: errors.map((e) => ({ reason: e.type, message: e.detail, field: e.field })),
    });
  },
  badRequest: (message: string): StatusError => new StatusError(400, 'BadRequest', message),
  unauthorized: (): StatusError => new StatusError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (gr: GroupResource, name: string, why: string): StatusError => {
    const what = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
    return new StatusError(403, 'Forbidden', `${what} is forbidden: ${why}`, {
      ...(name ? { name } : {}),
      group: gr.group,
      kind: gr.resource,
    });
  },
  methodNotAllowed: (message: string): StatusError => new StatusError(405, 'MethodNotAllowed', message),
  notAcceptable: (accepted: readonly string[]): StatusError =>
    new StatusError(
      406,
      'NotAcceptable',
      `only the following media types are accepted: ${accepted.join(', ')}`,
    ),
  expired: (message: string): StatusError => new StatusError(410, 'Expired', message),
  gone: (message: string): StatusError => new StatusError(410, 'Gone', message),
  tooLarge: (limit: number): StatusError =>
    new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`),
  unsupportedMediaType: (contentType: string, accepted: readonly string[]): StatusError =>
    new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
      { causes: [{ reason: 'UnsupportedMediaType', message: contentType }] },
    ),
  tooManyRequests: (message: string, retryAfterSeconds: number, details?: StatusDetails): StatusError =>
    new StatusError(429, 'TooManyRequests', message, { ...details, retryAfterSeconds }),
  internal: (message: string): StatusError =>
    new StatusError(500, 'InternalError', `Internal error occurred: ${message}`, {
      causes: [{ message }],
    }),
  timeout: (message: string, retryAfterSeconds?: number): StatusError =>
    new StatusError(504, 'Timeout', message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  /**
   * A list or watch asked for a revision this store has not reached (a client that talked to another server
   * with the same address before). The cause lets clients tell it from other timeouts: client-go relists.
   */
  tooLargeResourceVersion: (requested: number, current: number): StatusError =>
    new StatusError(504, 'Timeout', `Too large resource version: ${requested}, current: ${current}`, {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds: 1,
    }),
};
