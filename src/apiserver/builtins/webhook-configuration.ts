/**
 * MutatingWebhookConfiguration and ValidatingWebhookConfiguration (admissionregistration.k8s.io/v1,
 * cluster-scoped): stored, defaulted and validated as kube-apiserver 1.32 does (`pkg/apis/admissionregistration`
 * `SetDefaults_*`, `ValidateMutatingWebhookConfiguration`/`ValidateValidatingWebhookConfiguration`, printer
 * `NAME WEBHOOKS AGE`), so `capi init` and `kubectl apply` of provider components succeed against the embedded
 * API server and kubectl can read them back.
 *
 * The embedded server never calls the webhooks these objects describe: Cluster API's own webhooks run
 * in-process there (admission plugins), and no other webhook server is reachable from it. The objects are
 * inventory, as they would be on a real cluster whose webhook Deployment has not started yet.
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
import { getArray, getObjects, isObject, type JsonObject } from './object-access.js';
import {
  bytes,
  int32,
  kindSchema,
  labelSelector,
  mapList,
  obj,
  type Schema,
  str,
  stringList,
} from './schema-builders.js';
import { goQuote } from './go-format.js';
import {
  invalidRaw,
  isDNS1035Label,
  isDNS1123Subdomain,
  validateLabelSelector,
} from './validation-helpers.js';

/** Go's `%#v` of a `[]string`, as field errors print a bad list. */
const goStrings = (list: string[]): string => `[]string{${list.map((v) => goQuote(v)).join(', ')}}`;

const ACCEPTED_REVIEW_VERSIONS = ['v1', 'v1beta1'];
const SIDE_EFFECTS_V1 = ['None', 'NoneOnDryRun'];
const FAILURE_POLICIES = ['Fail', 'Ignore'];
const MATCH_POLICIES = ['Equivalent', 'Exact'];
const REINVOCATION_POLICIES = ['IfNeeded', 'Never'];
const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];

function webhookSchema(mutating: boolean): Schema {
  return obj('One admission webhook and the requests it sees.', {
    name: str('Fully qualified name of the webhook (at least three DNS segments).'),
    clientConfig: obj('How the API server reaches the webhook.', {
      url: str('https URL of the webhook (exclusive with service).'),
      service: obj('In-cluster Service in front of the webhook (exclusive with url).', {
        namespace: str('Namespace of the Service.'),
        name: str('Name of the Service.'),
        path: str('URL path sent to the Service.'),
        port: int32('Service port; 443 by default.'),
      }),
      caBundle: bytes('PEM CA bundle that validates the webhook server certificate.'),
    }),
    rules: rulesSchema(),
    failurePolicy: str('Fail (default) or Ignore when the webhook cannot be called.'),
    matchPolicy: str('Exact or Equivalent (default): also match requests to other versions.'),
    namespaceSelector: labelSelector('Which namespaces the webhook applies to (all by default).'),
    objectSelector: labelSelector('Which objects, by label, the webhook applies to (all by default).'),
    sideEffects: str('None or NoneOnDryRun.'),
    timeoutSeconds: int32('Seconds to wait for the webhook (1-30, default 10).'),
    admissionReviewVersions: stringList('AdmissionReview versions the webhook accepts, preferred first.'),
    ...(mutating
      ? { reinvocationPolicy: str('Never (default) or IfNeeded: call again after later mutations.') }
      : {}),
    matchConditions: mapList(
      'CEL conditions that must all hold for the request to be sent.',
      obj('A named CEL condition.', {
        name: str('Identifier of the condition.'),
        expression: str('CEL expression evaluating to a boolean.'),
      }),
      ['name'],
      { mergeKey: 'name' },
    ),
  });
}

function rulesSchema(): Schema {
  return {
    type: 'array',
    description: 'Operations and resources the webhook applies to.',
    items: obj('Operations on resources of API groups and versions.', {
      operations: stringList('CREATE, UPDATE, DELETE, CONNECT or *.'),
      apiGroups: stringList('API groups; * for all.'),
      apiVersions: stringList('API versions; * for all.'),
      resources: stringList('Resources (plural, optionally /subresource); * for all.'),
      scope: str('Cluster, Namespaced or * (default).'),
    }),
  };
}

/** `SetDefaults_MutatingWebhook` / `SetDefaults_ValidatingWebhook`, rules and service references. */
function defaultWebhooks(config: KubeObject, mutating: boolean): void {
  for (const hook of getObjects(config, 'webhooks')) {
    hook.failurePolicy ??= 'Fail';
    hook.matchPolicy ??= 'Equivalent';
    hook.namespaceSelector ??= {};
    hook.objectSelector ??= {};
    hook.timeoutSeconds ??= 10;
    if (mutating) hook.reinvocationPolicy ??= 'Never';
    for (const rule of getObjects(hook, 'rules')) rule.scope ??= '*';
    const clientConfig = isObject(hook.clientConfig) ? hook.clientConfig : undefined;
    if (clientConfig && isObject(clientConfig.service)) clientConfig.service.port ??= 443;
  }
}

/** `IsFullyQualifiedName`: a DNS subdomain with at least three segments. */
function validateHookName(name: unknown, field: string): FieldError[] {
  if (typeof name !== 'string' || name === '') return [fieldErrors.required(field)];
  const errs = isDNS1123Subdomain(name).map((m) => fieldErrors.invalid(field, name, m));
  if (errs.length > 0) return errs;
  if (name.split('.').length < 3)
    return [
      fieldErrors.invalid(field, name, 'should be a domain with at least three segments separated by dots'),
    ];
  return [];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function validateReviewVersions(versions: unknown, field: string): FieldError[] {
  const list = strings(versions);
  if (list.length === 0)
    return [fieldErrors.required(field, `must specify one of ${ACCEPTED_REVIEW_VERSIONS.join(', ')}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list.forEach((v, i) => {
    for (const m of isDNS1035Label(v)) errs.push(fieldErrors.invalid(`${field}[${i}]`, v, m));
    if (seen.has(v)) errs.push(fieldErrors.invalid(`${field}[${i}]`, v, 'duplicate version'));
    seen.add(v);
  });
  if (!list.some((v) => ACCEPTED_REVIEW_VERSIONS.includes(v)))
    errs.push(
      invalidRaw(
        field,
        goStrings(list),
        `must include at least one of ${ACCEPTED_REVIEW_VERSIONS.join(', ')}`,
      ),
    );
  return errs;
}

/** `validateRuleWithOperations` and `validateRule`. */
function validateRule(rule: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const operations = strings(rule.operations);
  if (operations.length === 0) errs.push(fieldErrors.required(`${field}.operations`));
  if (operations.length > 1 && operations.includes('*'))
    errs.push(
      invalidRaw(
        `${field}.operations`,
        goStrings(operations),
        "if '*' is present, must not specify other operations",
      ),
    );
  operations.forEach((op, i) => {
    if (!OPERATIONS.includes(op))
      errs.push(fieldErrors.notSupported(`${field}.operations[${i}]`, op, OPERATIONS));
  });
  if (strings(rule.apiGroups).length === 0) errs.push(fieldErrors.required(`${field}.apiGroups`));
  const versions = strings(rule.apiVersions);
  if (versions.length === 0) errs.push(fieldErrors.required(`${field}.apiVersions`));
  if (versions.length > 1 && versions.includes('*'))
    errs.push(
      invalidRaw(
        `${field}.apiVersions`,
        goStrings(versions),
        "if '*' is present, must not specify other API versions",
      ),
    );
  versions.forEach((v, i) => {
    if (v === '') errs.push(fieldErrors.required(`${field}.apiVersions[${i}]`));
  });
  if (strings(rule.resources).length === 0) errs.push(fieldErrors.required(`${field}.resources`));
  if (typeof rule.scope === 'string' && !SCOPES.includes(rule.scope))
    errs.push(fieldErrors.notSupported(`${field}.scope`, rule.scope, SCOPES));
  return errs;
}

/** `ValidateWebhookURL` (for webhooks, https only) and `ValidateWebhookService`. */
function validateClientConfig(clientConfig: unknown, field: string): FieldError[] {
  const cc = isObject(clientConfig) ? clientConfig : {};
  const hasUrl = typeof cc.url === 'string';
  const hasService = isObject(cc.service);
  if (hasUrl === hasService)
    return [fieldErrors.required(field, 'exactly one of url or service is required')];
  const errs: FieldError[] = [];
  if (hasUrl) {
    const at = `${field}.url`;
    const raw = cc.url as string;
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      errs.push(fieldErrors.invalid(at, raw, 'url must be a valid URL'));
    }
    if (url) {
      const scheme = url.protocol.replace(/:$/, '');
      if (scheme !== 'https')
        errs.push(fieldErrors.invalid(at, scheme, "'https' is the only allowed URL scheme"));
      if (url.host === '') errs.push(fieldErrors.invalid(at, url.host, 'host must be specified'));
      if (url.username || url.password)
        errs.push(fieldErrors.invalid(at, raw, 'user information is not permitted in the URL'));
      if (url.hash)
        errs.push(fieldErrors.invalid(at, url.hash.slice(1), 'fragments are not permitted in the URL'));
      if (url.search)
        errs.push(
          fieldErrors.invalid(at, url.search.slice(1), 'query parameters are not permitted in the URL'),
        );
    }
    return errs;
  }
  const service = cc.service as JsonObject;
  const at = `${field}.service`;
  if (typeof service.name !== 'string' || service.name === '')
    errs.push(fieldErrors.required(`${at}.name`, 'service name is required'));
  if (typeof service.namespace !== 'string' || service.namespace === '')
    errs.push(fieldErrors.required(`${at}.namespace`, 'service namespace is required'));
  const port = service.port;
  if (typeof port === 'number' && (port < 1 || port > 65535))
    errs.push(
      fieldErrors.invalid(`${at}.port`, port, 'port is not valid: must be between 1 and 65535, inclusive'),
    );
  if (typeof service.path === 'string' && service.path !== '' && !service.path.startsWith('/'))
    errs.push(fieldErrors.invalid(`${at}.path`, service.path, "must start with a '/'"));
  return errs;
}

function validateMatchConditions(conditions: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  getObjectsOf(conditions).forEach((c, i) => {
    const at = `${field}[${i}]`;
    const name = typeof c.name === 'string' ? c.name : '';
    if (name === '') errs.push(fieldErrors.required(`${at}.name`));
    else if (seen.has(name)) errs.push(fieldErrors.duplicate(`${at}.name`, name));
    seen.add(name);
    if (typeof c.expression !== 'string' || c.expression === '')
      errs.push(fieldErrors.required(`${at}.expression`));
  });
  return errs;
}

function getObjectsOf(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function oneOf(value: unknown, supported: string[], field: string): FieldError[] {
  if (value === undefined || value === null) return [];
  return typeof value === 'string' && supported.includes(value)
    ? []
    : [fieldErrors.notSupported(field, value, supported)];
}

/** `ValidateMutatingWebhookConfiguration` / `ValidateValidatingWebhookConfiguration` for v1 objects. */
function validateWebhookConfiguration(config: KubeObject, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  getArray(config, 'webhooks').forEach((raw, i) => {
    const at = `webhooks[${i}]`;
    const hook = isObject(raw) ? raw : {};
    if (typeof hook.name === 'string' && names.has(hook.name))
      errs.push(fieldErrors.duplicate(`${at}.name`, hook.name));
    if (typeof hook.name === 'string') names.add(hook.name);
    errs.push(...validateHookName(hook.name, `${at}.name`));
    getObjectsOf(hook.rules).forEach((rule, j) => errs.push(...validateRule(rule, `${at}.rules[${j}]`)));
    errs.push(...oneOf(hook.failurePolicy, FAILURE_POLICIES, `${at}.failurePolicy`));
    errs.push(...oneOf(hook.matchPolicy, MATCH_POLICIES, `${at}.matchPolicy`));
    if (hook.sideEffects === undefined || hook.sideEffects === null)
      errs.push(
        fieldErrors.required(`${at}.sideEffects`, `must specify one of ${SIDE_EFFECTS_V1.join(', ')}`),
      );
    else errs.push(...oneOf(hook.sideEffects, SIDE_EFFECTS_V1, `${at}.sideEffects`));
    if (mutating)
      errs.push(...oneOf(hook.reinvocationPolicy, REINVOCATION_POLICIES, `${at}.reinvocationPolicy`));
    const timeout = hook.timeoutSeconds;
    if (typeof timeout === 'number' && (timeout < 1 || timeout > 30))
      errs.push(
        fieldErrors.invalid(
          `${at}.timeoutSeconds`,
          timeout,
          'the timeout value must be between 1 and 30 seconds',
        ),
      );
    errs.push(...validateLabelSelector(hook.namespaceSelector, `${at}.namespaceSelector`));
    errs.push(...validateLabelSelector(hook.objectSelector, `${at}.objectSelector`));
    errs.push(...validateClientConfig(hook.clientConfig, `${at}.clientConfig`));
    errs.push(...validateMatchConditions(hook.matchConditions, `${at}.matchConditions`));
    errs.push(...validateReviewVersions(hook.admissionReviewVersions, `${at}.admissionReviewVersions`));
  });
  return errs;
}

function webhookConfigurationDefinition(
  kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration',
) {
  const mutating = kind === 'MutatingWebhookConfiguration';
  const what = mutating ? 'mutating' : 'validating';
  const prepare = (config: KubeObject): void => {
    if (Array.isArray(config.webhooks)) defaultWebhooks(config, mutating);
  };
  return defineBuiltin({
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind,
    plural: `${kind.toLowerCase()}s`,
    namespaced: false,
    categories: ['api-extensions'],
    schema: kindSchema(`Admission webhooks that ${mutating ? 'may change' : 'accept or reject'} objects.`, {
      webhooks: mapList(`The ${what} webhooks.`, webhookSchema(mutating), ['name'], { mergeKey: 'name' }),
    }),
    strategy: builtinStrategy(true, {
      prepareForCreate: prepare,
      prepareForUpdate: prepare,
      validate: (config) => validateWebhookConfiguration(config, mutating),
    }),
    table: {
      columns: [
        nameColumn(),
        column(
          'Webhooks',
          'integer',
          'Webhooks indicates the number of webhooks registered in this configuration.',
        ),
        ageColumn(),
      ],
      cells: (c) => [objectName(c), getArray(c, 'webhooks').length, creationTimestamp(c)],
    },
  });
}

export const mutatingWebhookConfigurationDefinition = webhookConfigurationDefinition(
  'MutatingWebhookConfiguration',
);
export const validatingWebhookConfigurationDefinition = webhookConfigurationDefinition(
  'ValidatingWebhookConfiguration',
);
