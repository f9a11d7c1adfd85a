/**
 * RBAC (rbac.authorization.k8s.io/v1): Role, ClusterRole, RoleBinding, ClusterRoleBinding.
 * Upstream: `pkg/apis/rbac/v1/defaults.go`, `pkg/apis/rbac/validation`, printers (bindings only; roles use
 * the default NAME / CREATED AT table). Names are path segments (`system:controller:x` is valid).
 * `roleRef` can never change: "cannot change roleRef".
 */
import { fieldErrors, type FieldError } from '../errors/field-error.js';
import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';
import {
  ageColumn,
  builtinStrategy,
  column,
  creationTimestamp,
  defaultTable,
  defineBuiltin,
  nameColumn,
  objectName,
} from './define.js';
import { goQuote } from './go-format.js';
import {
  deepEqual,
  ensureObject,
  getArray,
  getObject,
  getObjects,
  getString,
  isObject,
} from './object-access.js';
import { atomicList, atomicObj, kindSchema, labelSelector, obj, str, stringList } from './schema-builders.js';
import {
  invalidRaw,
  isDNS1123Subdomain,
  isValidPathSegmentName,
  nameIsPathSegment,
  validateLabelSelector,
} from './validation-helpers.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

const policyRule = () =>
  obj('A set of permitted actions.', {
    verbs: stringList('Verbs allowed; * means all.'),
    apiGroups: stringList('API groups of the resources; "" is the core group.'),
    resources: stringList('Resources the rule covers; * means all.'),
    resourceNames: stringList('Optional allow-list of object names.'),
    nonResourceURLs: stringList('URL paths for cluster roles, e.g. /healthz.'),
  });

const subject = () =>
  obj('Who a binding grants the role to.', {
    kind: str('User, Group or ServiceAccount.'),
    apiGroup: str('rbac.authorization.k8s.io for users and groups, "" for service accounts.'),
    name: str('Name of the subject.'),
    namespace: str('Namespace of a service account.'),
  });

const roleRef = () =>
  atomicObj('The role being granted; immutable.', {
    apiGroup: str('Group of the role.'),
    kind: str('Role or ClusterRole.'),
    name: str('Name of the role.'),
  });

const goStrings = (v: unknown[]) => `[]string{${v.map((s) => goQuote(String(s))).join(', ')}}`;

function validateRules(role: KubeObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  getArray(role, 'rules').forEach((r, i) => {
    const at = `rules[${i}]`;
    const rule = isObject(r) ? r : {};
    const len = (k: string) => getArray(rule, k).length;
    if (len('verbs') === 0)
      errs.push(fieldErrors.required(`${at}.verbs`, 'verbs must contain at least one value'));
    if (len('nonResourceURLs') > 0) {
      const urls = goStrings(getArray(rule, 'nonResourceURLs'));
      if (namespaced) {
        errs.push(
          invalidRaw(`${at}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'),
        );
      }
      if (len('apiGroups') > 0 || len('resources') > 0 || len('resourceNames') > 0) {
        errs.push(
          invalidRaw(
            `${at}.nonResourceURLs`,
            urls,
            'rules cannot apply to both regular resources and non-resource URLs',
          ),
        );
      }
      return;
    }
    if (len('apiGroups') === 0) {
      errs.push(fieldErrors.required(`${at}.apiGroups`, 'resource rules must supply at least one api group'));
    }
    if (len('resources') === 0) {
      errs.push(fieldErrors.required(`${at}.resources`, 'resource rules must supply at least one resource'));
    }
  });
  return errs;
}

function validateAggregationRule(role: KubeObject): FieldError[] {
  const rule = getObject(role, 'aggregationRule');
  if (!rule) return [];
  const selectors = getArray(rule, 'clusterRoleSelectors');
  if (selectors.length === 0) {
    return [
      fieldErrors.required(
        'aggregationRule.clusterRoleSelectors',
        'at least one clusterRoleSelector required if aggregationRule is non-nil',
      ),
    ];
  }
  return selectors.flatMap((s, i) => validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`));
}

/** SetDefaults_RoleBinding / SetDefaults_Subject. */
function defaultBinding(binding: KubeObject): void {
  const ref = ensureObject(binding, 'roleRef');
  if (!ref.apiGroup) ref.apiGroup = RBAC_GROUP;
  for (const s of getObjects(binding, 'subjects')) {
    if (!s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
  }
}

function validateBinding(binding: KubeObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = getObject(binding, 'roleRef') ?? {};
  if (ref.apiGroup !== RBAC_GROUP)
    errs.push(fieldErrors.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (typeof ref.kind !== 'string' || !kinds.includes(ref.kind)) {
    errs.push(fieldErrors.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  }
  const name = typeof ref.name === 'string' ? ref.name : '';
  if (!name) errs.push(fieldErrors.required('roleRef.name'));
  else for (const m of isValidPathSegmentName(name)) errs.push(fieldErrors.invalid('roleRef.name', name, m));

  getArray(binding, 'subjects').forEach((s, i) => {
    const at = `subjects[${i}]`;
    const sub = isObject(s) ? s : {};
    const subName = typeof sub.name === 'string' ? sub.name : '';
    const apiGroup = typeof sub.apiGroup === 'string' ? sub.apiGroup : '';
    if (!subName) errs.push(fieldErrors.required(`${at}.name`));
    switch (sub.kind) {
      case 'ServiceAccount':
        if (subName)
          for (const m of isDNS1123Subdomain(subName))
            errs.push(fieldErrors.invalid(`${at}.name`, subName, m));
        if (apiGroup) errs.push(fieldErrors.notSupported(`${at}.apiGroup`, apiGroup, ['']));
        if (!namespaced && !getString(sub, 'namespace')) errs.push(fieldErrors.required(`${at}.namespace`));
        break;
      case 'User':
      case 'Group':
        if (apiGroup !== RBAC_GROUP)
          errs.push(fieldErrors.notSupported(`${at}.apiGroup`, apiGroup, [RBAC_GROUP]));
        break;
      default:
        errs.push(
          fieldErrors.notSupported(`${at}.kind`, sub.kind ?? '', ['ServiceAccount', 'User', 'Group']),
        );
    }
  });
  return errs;
}

/** The exact upstream error for a changed roleRef (the value is Go's `%#v` of rbac.RoleRef). */
function validateRoleRefUnchanged(binding: KubeObject, old: KubeObject): FieldError[] {
  const ref = getObject(binding, 'roleRef') ?? {};
  if (deepEqual(ref, getObject(old, 'roleRef') ?? {})) return [];
  const field = (k: string) => goQuote(typeof ref[k] === 'string' ? ref[k] : '');
  return [
    invalidRaw(
      'roleRef',
      `rbac.RoleRef{APIGroup:${field('apiGroup')}, Kind:${field('kind')}, Name:${field('name')}}`,
      'cannot change roleRef',
    ),
  ];
}

/** ROLE and the wide USERS / GROUPS / SERVICEACCOUNTS cells (`rbac.SubjectsStrings`). */
function bindingCells(binding: KubeObject): unknown[] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of getObjects(binding, 'subjects')) {
    const name = typeof s.name === 'string' ? s.name : '';
    if (s.kind === 'ServiceAccount') sas.push(`${getString(s, 'namespace') ?? ''}/${name}`);
    else if (s.kind === 'User') users.push(name);
    else if (s.kind === 'Group') groups.push(name);
  }
  return [
    objectName(binding),
    `${getString(binding, 'roleRef.kind') ?? ''}/${getString(binding, 'roleRef.name') ?? ''}`,
    creationTimestamp(binding),
    users.join(', '),
    groups.join(', '),
    sas.join(', '),
  ];
}

const bindingTable = () => ({
  columns: [
    nameColumn(),
    column('Role', 'string', 'The role the binding grants.'),
    ageColumn(),
    column('Users', 'string', 'Users in the binding.', 1),
    column('Groups', 'string', 'Groups in the binding.', 1),
    column('ServiceAccounts', 'string', 'Service accounts in the binding.', 1),
  ],
  cells: bindingCells,
});

function bindingDefinition(
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  namespaced: boolean,
): ResourceDefinition {
  return defineBuiltin({
    group: RBAC_GROUP,
    version: 'v1',
    kind,
    plural: `${kind.toLowerCase()}s`,
    namespaced,
    nameValidator: nameIsPathSegment,
    schema: kindSchema(
      `Grants the permissions of a role${namespaced ? ' within a namespace' : ' cluster-wide'}.`,
      {
        subjects: atomicList('Who the role is granted to.', subject()),
        roleRef: roleRef(),
      },
    ),
    strategy: builtinStrategy(false, {
      prepareForCreate: defaultBinding,
      prepareForUpdate: (binding) => defaultBinding(binding),
      validate: (binding, old) => [
        ...validateBinding(binding, namespaced),
        ...(old ? validateRoleRefUnchanged(binding, old) : []),
      ],
    }),
    table: bindingTable(),
  });
}

export const roleDefinition = defineBuiltin({
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'Role',
  plural: 'roles',
  namespaced: true,
  nameValidator: nameIsPathSegment,
  schema: kindSchema('A namespaced set of permissions.', {
    rules: atomicList('Permissions of the role.', policyRule()),
  }),
  strategy: builtinStrategy(false, { validate: (role) => validateRules(role, true) }),
  table: defaultTable(),
});

export const clusterRoleDefinition = defineBuiltin({
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  namespaced: false,
  nameValidator: nameIsPathSegment,
  schema: kindSchema('A cluster-wide set of permissions.', {
    rules: atomicList('Permissions of the role.', policyRule()),
    aggregationRule: obj('Builds the rules from other cluster roles.', {
      clusterRoleSelectors: atomicList('Selectors of the roles to aggregate.', labelSelector()),
    }),
  }),
  strategy: builtinStrategy(false, {
    validate: (role) => [...validateRules(role, false), ...validateAggregationRule(role)],
  }),
  table: defaultTable(),
});

export const roleBindingDefinition = bindingDefinition('RoleBinding', true);
export const clusterRoleBindingDefinition = bindingDefinition('ClusterRoleBinding', false);
