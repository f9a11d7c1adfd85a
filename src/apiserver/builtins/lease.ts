/**
 * Lease (coordination.k8s.io/v1). Leader election relies only on optimistic concurrency; the server checks
 * field ranges (`pkg/apis/coordination/validation`). `acquireTime`/`renewTime` are MicroTime: see
 * `checkMicroTimes`.
 */
import { fieldErrors, type FieldError } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import {
  ageColumn,
  builtinStrategy,
  column,
  creationTimestamp,
  defineBuiltin,
  nameColumn,
  objectName,
} from './define.js';
import { getNumber, getString } from './object-access.js';
import { int32, kindSchema, microTime, obj, str } from './schema-builders.js';

function validateLease(lease: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const duration = getNumber(lease, 'spec.leaseDurationSeconds');
  if (duration !== undefined && duration <= 0) {
    errs.push(fieldErrors.invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  }
  const transitions = getNumber(lease, 'spec.leaseTransitions');
  if (transitions !== undefined && transitions < 0) {
    errs.push(
      fieldErrors.invalid('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'),
    );
  }
  const preferred = getString(lease, 'spec.preferredHolder');
  if (preferred && !getString(lease, 'spec.strategy')) {
    errs.push(
      fieldErrors.forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'),
    );
  }
  return errs;
}

export const leaseDefinition = defineBuiltin({
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  namespaced: true,
  microTimeFields: ['spec.acquireTime', 'spec.renewTime'],
  schema: kindSchema('A lease on a shared resource, used for leader election and node heartbeats.', {
    spec: obj('Desired state of the lease.', {
      holderIdentity: str('Identity of the current holder.'),
      leaseDurationSeconds: int32('How long candidates wait before taking over.'),
      acquireTime: microTime('When the current holder acquired the lease (six fractional digits).'),
      renewTime: microTime('When the holder last renewed the lease (six fractional digits).'),
      leaseTransitions: int32('How many times the lease changed hands.'),
      strategy: str('Coordinated leader election strategy (alpha).'),
      preferredHolder: str('Holder the coordinator would like next (alpha).'),
    }),
  }),
  strategy: builtinStrategy(false, { validate: (lease) => validateLease(lease) }),
  table: {
    columns: [nameColumn(), column('Holder', 'string', 'Identity of the current holder.'), ageColumn()],
    cells: (l) => [objectName(l), getString(l, 'spec.holderIdentity') ?? '', creationTimestamp(l)],
  },
});
