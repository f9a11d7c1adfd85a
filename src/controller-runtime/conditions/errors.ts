/** A summary, aggregate or mirror was asked for with options that cannot give a meaningful condition. */
export class InvalidConditionOptionsError extends Error {
  override readonly name = 'InvalidConditionOptionsError';
}
