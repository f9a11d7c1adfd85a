/** A JSONPath template that does not parse; the message is client-go's (`unclosed action`, …). */
export class JsonPathParseError extends Error {
  readonly template: string;
  constructor(template: string, message: string) {
    super(message);
    this.name = 'JsonPathParseError';
    this.template = template;
  }
}

export function isJsonPathParseError(err: unknown): err is JsonPathParseError {
  return err instanceof JsonPathParseError;
}

/**
 * A template that parsed but failed on the data (`replicas is not found` without allowMissingKeys,
 * `array index out of bounds: index 3, length 2`, `incompatible types for comparison`, …).
 */
export class JsonPathExecutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathExecutionError';
  }
}

export function isJsonPathExecutionError(err: unknown): err is JsonPathExecutionError {
  return err instanceof JsonPathExecutionError;
}
