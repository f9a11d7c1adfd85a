import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiErrorCode, InvalidFaultAnnotationError, maybeFailApiCall, ProviderApiError } from './faults.js';

const annotated = (annotations: Record<string, string>) => ({ metadata: { annotations } });

describe('provider API error codes', () => {
  it('500 by default; the api-error-code annotation chooses another, e.g. 429 for throttling', () => {
    assert.equal(apiErrorCode(annotated({})), 500);
    assert.equal(apiErrorCode(annotated({ 'inmemory.capi-ts.io/api-error-code': '429' })), 429);
    assert.throws(
      () =>
        maybeFailApiCall(
          annotated({
            'inmemory.capi-ts.io/api-error-rate': '1',
            'inmemory.capi-ts.io/api-error-code': '503',
          }),
          'ProvisionMachine',
        ),
      (err: unknown) =>
        err instanceof ProviderApiError && err.code === 503 && err.operation === 'ProvisionMachine',
    );
  });

  it('a value that is no HTTP error status is reported, also while no error is injected', () => {
    for (const bad of ['abc', '200', '600', '4.5e2', ''])
      assert.throws(
        () => maybeFailApiCall(annotated({ 'inmemory.capi-ts.io/api-error-code': bad }), 'ProvisionMachine'),
        (err: unknown) =>
          err instanceof InvalidFaultAnnotationError &&
          /api-error-code="[^"]*": want an HTTP error status/.test(err.message),
        bad,
      );
  });
});
