/** A `contentFormat: Template` file whose template does not parse, uses what we do not support, or fails. */
export class FileTemplateError extends Error {
  override readonly name = 'FileTemplateError';
  /** The `path` of the file in `spec.files`. */
  readonly path: string;
  constructor(path: string, stage: 'parse' | 'execute', detail: string) {
    super(`failed to ${stage} template for file ${JSON.stringify(path)}: ${detail}`);
    this.path = path;
  }
}
export const isFileTemplateError = (err: unknown): err is FileTemplateError =>
  err instanceof FileTemplateError;

/**
 * A file or user still refers to a Secret (`contentFrom`, `passwdFrom`) whose value the caller did not supply;
 * the caller reads Secrets, the renderer never does.
 */
export class UnresolvedSecretReferenceError extends Error {
  override readonly name = 'UnresolvedSecretReferenceError';
  readonly secretName: string;
  readonly key: string;
  constructor(what: string, secretName: string, key: string) {
    super(`${what}: key ${JSON.stringify(key)} of Secret ${JSON.stringify(secretName)} was not resolved`);
    this.secretName = secretName;
    this.key = key;
  }
}
export const isUnresolvedSecretReference = (err: unknown): err is UnresolvedSecretReferenceError =>
  err instanceof UnresolvedSecretReferenceError;
