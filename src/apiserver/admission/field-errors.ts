/**
 * The few field errors whose bad value Go prints in a form `fieldErrors` cannot produce (`%#v` renderings,
 * `time.Time.String()`), and the typed error thrown when a schema does not compile.
 */
import { type FieldError, fieldErrorMessage } from '../errors/field-error.js';

/** `Invalid value: <printed>: <detail>` with the value already rendered as Go would. */
export function invalidPrinted(field: string, printed: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: `Invalid value: ${printed}: ${detail}` };
}

/** `Duplicate value: <printed>` with the value already rendered as Go would. */
export function duplicatePrinted(field: string, printed: string): FieldError {
  return { type: 'FieldValueDuplicate', field, detail: `Duplicate value: ${printed}` };
}

/** `Internal error: <detail>`. */
export function internalError(field: string, detail: string): FieldError {
  return { type: 'InternalError', field, detail: `Internal error: ${detail}` };
}

/** A schema that is not structural, has a default that does not validate, or a rule that does not compile. */
export class SchemaCompileError extends Error {
  readonly errors: FieldError[];

  constructor(errors: FieldError[]) {
    super(
      errors.length === 1
        ? fieldErrorMessage(errors[0]!)
        : `[${errors.map((e) => fieldErrorMessage(e)).join(', ')}]`,
    );
    this.name = 'SchemaCompileError';
    this.errors = errors;
  }
}

export function isSchemaCompileError(err: unknown): err is SchemaCompileError {
  return err instanceof SchemaCompileError;
}
