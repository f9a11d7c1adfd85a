/** A template that cannot be parsed: bad syntax, an unknown function or an unsupported action. */
export class TemplateParseError extends Error {
  override readonly name = 'TemplateParseError';
  constructor(
    message: string,
    readonly templateName: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** A template that parsed but failed while executing against its data (missing key, bad call, ...). */
export class TemplateExecError extends Error {
  override readonly name = 'TemplateExecError';
  constructor(
    message: string,
    readonly templateName: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isTemplateParseError(err: unknown): err is TemplateParseError {
  return err instanceof TemplateParseError;
}

export function isTemplateExecError(err: unknown): err is TemplateExecError {
  return err instanceof TemplateExecError;
}
