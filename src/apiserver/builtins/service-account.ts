/**
 * ServiceAccount (core/v1, `sa`) with the `token` subresource (authentication.k8s.io/v1 TokenRequest,
 * served by a custom handler). Upstream validation checks metadata only.
 */
import {
  ageColumn,
  builtinStrategy,
  column,
  creationTimestamp,
  defineBuiltin,
  nameColumn,
  objectName,
} from './define.js';
import { getArray } from './object-access.js';
import {
  atomicList,
  bool,
  kindSchema,
  localObjectReference,
  mapList,
  objectReference,
} from './schema-builders.js';

export const serviceAccountDefinition = defineBuiltin({
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  shortNames: ['sa'],
  namespaced: true,
  subresources: {
    others: [
      {
        name: 'token',
        group: 'authentication.k8s.io',
        version: 'v1',
        kind: 'TokenRequest',
        verbs: ['create'],
      },
    ],
  },
  schema: kindSchema('An identity for processes that run in pods.', {
    secrets: mapList('Secrets pods of this account may use (legacy).', objectReference(), ['name'], {
      mergeKey: 'name',
    }),
    imagePullSecrets: atomicList(
      'Secrets used to pull images for pods of this account.',
      localObjectReference(),
    ),
    automountServiceAccountToken: bool('Whether pods mount an API token automatically.'),
  }),
  strategy: builtinStrategy(false, { returnDeletedObject: true }),
  table: {
    columns: [nameColumn(), column('Secrets', 'string', 'Number of referenced secrets.'), ageColumn()],
    cells: (sa) => [objectName(sa), getArray(sa, 'secrets').length, creationTimestamp(sa)],
  },
});
