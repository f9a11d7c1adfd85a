// ClusterClass patches (upstream's patch_validation.go): unique names, inline definitions or an external
// extension, selectors that match a template of the class, JSON patches that stay under /spec and use values
// or variables that exist. Denials show the offending patch as Go's indented JSON, as upstream does.
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import { isLabelKey } from '../../../controller-runtime/webhook/validation.js';
import { type ClusterClass, VARIABLE_DEFINITION_FROM_INLINE } from '../../api/v1beta2/index.js';
import { atoi } from './int-or-percent.js';
import { isDefined, type Loose } from './object.js';

type Spec = Loose<ClusterClass['spec']>;
type Patch = NonNullable<Spec['patches']>[number];
type Definition = NonNullable<Patch['definitions']>[number];
type Selector = NonNullable<Definition['selector']>;
type JsonPatch = NonNullable<Definition['jsonPatches']>[number];
type TemplateRef = { apiVersion?: string; kind?: string } | undefined;

/** Go's JSON encoder: struct fields in declaration order, HTML characters escaped. */
function goJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

/** Builds an object with keys in `order`, leaving out empty ones (omitempty). */
function ordered(obj: Record<string, unknown> | undefined, order: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of order) {
    const v = obj?.[key];
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[key] = v;
  }
  return out;
}

const showValueFrom = (v: JsonPatch['valueFrom']) => ordered(v, ['variable', 'template']);
const showJsonPatch = (p: JsonPatch) =>
  ordered({ ...p, valueFrom: p.valueFrom ? showValueFrom(p.valueFrom) : undefined }, [
    'op',
    'path',
    'value',
    'valueFrom',
  ]);
function showSelector(s: Selector | undefined): Record<string, unknown> {
  const m = s?.matchResources;
  const match = ordered(
    {
      controlPlane: m?.controlPlane,
      infrastructureCluster: m?.infrastructureCluster,
      machineDeploymentClass: m?.machineDeploymentClass
        ? ordered(m.machineDeploymentClass, ['names'])
        : undefined,
      machinePoolClass: m?.machinePoolClass ? ordered(m.machinePoolClass, ['names']) : undefined,
    },
    ['controlPlane', 'infrastructureCluster', 'machineDeploymentClass', 'machinePoolClass'],
  );
  return ordered(
    { apiVersion: s?.apiVersion, kind: s?.kind, matchResources: isDefined(match) ? match : undefined },
    ['apiVersion', 'kind', 'matchResources'],
  );
}
const showExternal = (e: Patch['external']) =>
  ordered(e, [
    'generatePatchesExtension',
    'validateTopologyExtension',
    'discoverVariablesExtension',
    'settings',
  ]);
const showPatch = (p: Patch) =>
  ordered(
    {
      ...p,
      definitions: p.definitions?.map((d) =>
        ordered({ selector: showSelector(d.selector), jsonPatches: d.jsonPatches?.map(showJsonPatch) }, [
          'selector',
          'jsonPatches',
        ]),
      ),
      external: p.external ? showExternal(p.external) : undefined,
    },
    ['name', 'description', 'enabledIf', 'definitions', 'external'],
  );

/** The variables patches may read besides the ClusterClass's own. */
const BUILTIN_VARIABLES = new Set<string>([
  'builtin',
  'builtin.cluster',
  'builtin.cluster.name',
  'builtin.cluster.namespace',
  'builtin.cluster.uid',
  'builtin.cluster.metadata.labels',
  'builtin.cluster.metadata.annotations',
  'builtin.cluster.topology',
  'builtin.cluster.topology.classRef.name',
  'builtin.cluster.topology.classRef.namespace',
  'builtin.cluster.topology.class',
  'builtin.cluster.topology.classNamespace',
  'builtin.cluster.topology.version',
  'builtin.cluster.network',
  'builtin.cluster.network.serviceDomain',
  'builtin.cluster.network.services',
  'builtin.cluster.network.pods',
  'builtin.controlPlane',
  'builtin.controlPlane.name',
  'builtin.controlPlane.replicas',
  'builtin.controlPlane.version',
  'builtin.controlPlane.metadata.labels',
  'builtin.controlPlane.metadata.annotations',
  'builtin.controlPlane.machineTemplate.infrastructureRef.name',
  'builtin.machineDeployment',
  'builtin.machineDeployment.class',
  'builtin.machineDeployment.name',
  'builtin.machineDeployment.replicas',
  'builtin.machineDeployment.topologyName',
  'builtin.machineDeployment.version',
  'builtin.machineDeployment.metadata.labels',
  'builtin.machineDeployment.metadata.annotations',
  'builtin.machineDeployment.bootstrap.configRef.name',
  'builtin.machineDeployment.infrastructureRef.name',
  'builtin.machinePool',
  'builtin.machinePool.class',
  'builtin.machinePool.name',
  'builtin.machinePool.replicas',
  'builtin.machinePool.topologyName',
  'builtin.machinePool.version',
  'builtin.machinePool.metadata.labels',
  'builtin.machinePool.metadata.annotations',
  'builtin.machinePool.bootstrap.configRef.name',
  'builtin.machinePool.infrastructureRef.name',
]);

const matchesTemplate = (s: Selector | undefined, ref: TemplateRef): boolean =>
  (s?.kind ?? '') === (ref?.kind ?? '') && (s?.apiVersion ?? '') === (ref?.apiVersion ?? '');

/** A class name pattern: `*` at most once, only at either end, and otherwise a qualified name. */
function selectorNameError(name: string, path: FieldPath): FieldError | undefined {
  if (!name.includes('*')) return undefined;
  if (name.split('*').length - 1 > 1)
    return fieldError.invalid(path.toString(), name, 'selector can at most contain a single "*" rune');
  if (!name.startsWith('*') && !name.endsWith('*')) {
    return fieldError.invalid(
      path.toString(),
      name,
      '"*" rune can only appear at the beginning, or ending of the selector',
    );
  }
  if (isLabelKey(name.replaceAll('*', 'a')).length > 0) {
    return fieldError.invalid(
      path.toString(),
      name,
      'selector does not comply with the Kubernetes naming standards',
    );
  }
  return undefined;
}

function classMatches(pattern: string, cls: string): boolean {
  if (pattern === cls || pattern === '*') return true;
  if (pattern.startsWith('*') && cls.endsWith(pattern.slice(1))) return true;
  return pattern.endsWith('*') && cls.startsWith(pattern.slice(0, -1));
}

function validateSelector(
  selector: Selector | undefined,
  spec: Spec | undefined,
  path: FieldPath,
): FieldError[] {
  const m = selector?.matchResources;
  const mdNames = m?.machineDeploymentClass?.names ?? [];
  const mpNames = m?.machinePoolClass?.names ?? [];
  if (!m?.infrastructureCluster && !m?.controlPlane && mdNames.length === 0 && mpNames.length === 0) {
    return [fieldError.invalid(path.toString(), goJson(showSelector(selector), 2), 'no selector enabled')];
  }
  const errs: FieldError[] = [];
  if (m?.infrastructureCluster && !matchesTemplate(selector, spec?.infrastructure?.templateRef)) {
    errs.push(
      fieldError.invalid(
        path.child('matchResources', 'infrastructureCluster').toString(),
        true,
        'selector is enabled but does not match the infrastructure ref',
      ),
    );
  }
  if (m?.controlPlane) {
    const machineInfra = spec?.controlPlane?.machineInfrastructure?.templateRef;
    const match =
      matchesTemplate(selector, spec?.controlPlane?.templateRef) ||
      (isDefined(machineInfra) && matchesTemplate(selector, machineInfra));
    if (!match) {
      errs.push(
        fieldError.invalid(
          path.child('matchResources', 'controlPlane').toString(),
          true,
          'selector is enabled but matches neither the controlPlane ref nor the controlPlane machineInfrastructure ref',
        ),
      );
    }
  }
  for (const [resource, what, names, classes] of [
    ['machineDeploymentClass', 'MachineDeployment', mdNames, spec?.workers?.machineDeployments ?? []],
    ['machinePoolClass', 'MachinePool', mpNames, spec?.workers?.machinePools ?? []],
  ] as const) {
    for (const [i, name] of names.entries()) {
      const namePath = path.child('matchResources', resource, 'names').index(i);
      const nameError = selectorNameError(name, namePath);
      if (nameError) {
        errs.push(nameError);
        break;
      }
      const match = classes.some(
        (c) =>
          classMatches(name, c.class ?? '') &&
          (matchesTemplate(selector, c.infrastructure?.templateRef) ||
            matchesTemplate(selector, c.bootstrap?.templateRef)),
      );
      if (!match) {
        errs.push(
          fieldError.invalid(
            namePath.toString(),
            name,
            `selector is enabled but matches neither the bootstrap ref nor the infrastructure ref of a ${what} class`,
          ),
        );
      }
    }
  }
  return errs;
}

/** Adds may only prepend (`/0`) or append (`/-`) to arrays; replace and remove may not address elements. */
function indexAccessErrors(p: JsonPatch, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  for (const part of (p.path ?? '').split('/')) {
    const index = atoi(part);
    if (typeof index !== 'number') continue;
    if (p.op === 'add' && index !== 0) {
      errs.push(
        fieldError.invalid(
          path.toString(),
          p.path ?? '',
          'arrays can only be accessed using "0" (prepend) or "-" (append)',
        ),
      );
    }
    if (p.op === 'replace' || p.op === 'remove') {
      errs.push(
        fieldError.invalid(
          path.toString(),
          p.path ?? '',
          `elements in arrays can not be accessed in a ${p.op} operation`,
        ),
      );
    }
  }
  return errs;
}

/** The top-level variable a reference like `a.b[0]` reads. */
const variableNameOf = (ref: string): string => ref.split(/[[.]/).find((s) => s !== '') ?? '';

function validateJsonPatchValues(p: JsonPatch, variables: Set<string>, path: FieldPath): FieldError[] {
  if (p.op !== 'add' && p.op !== 'replace') return [];
  const errs: FieldError[] = [];
  const shown = () => goJson(showJsonPatch(p), 2);
  const hasValue = p.value !== undefined;
  if (!hasValue && !p.valueFrom)
    errs.push(
      fieldError.invalid(path.toString(), shown(), 'jsonPatch must define one of value or valueFrom'),
    );
  if (hasValue && p.valueFrom)
    errs.push(
      fieldError.invalid(path.toString(), shown(), 'jsonPatch can not define both value and valueFrom'),
    );
  const from = p.valueFrom;
  if (!from) return errs;
  const fromPath = path.child('valueFrom');
  if (!from.template && !from.variable) {
    errs.push(
      fieldError.invalid(
        fromPath.toString(),
        goJson(showValueFrom(from), 2),
        'valueFrom must set either template or variable',
      ),
    );
  }
  if (from.template && from.variable) {
    errs.push(
      fieldError.invalid(
        fromPath.toString(),
        goJson(showValueFrom(from), 2),
        'valueFrom can not set both template and variable',
      ),
    );
  }
  if (from.variable) {
    const variablePath = fromPath.child('variable').toString();
    if (from.variable.startsWith('builtin.')) {
      if (!BUILTIN_VARIABLES.has(from.variable))
        errs.push(fieldError.invalid(variablePath, from.variable, 'not a defined builtin variable'));
    } else if (!variables.has(variableNameOf(from.variable))) {
      errs.push(
        fieldError.invalid(
          variablePath,
          from.variable,
          `variable with name ${from.variable} cannot be found`,
        ),
      );
    }
  }
  return errs;
}

function validateJsonPatches(patches: JsonPatch[], variables: Set<string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  patches.forEach((p, i) => {
    const at = path.index(i);
    if (!['add', 'replace', 'remove'].includes(p.op ?? '')) {
      errs.push(
        fieldError.notSupported(at.child('op').toString(), goJson(showJsonPatch(p), 2), [
          'add',
          'remove',
          'replace',
        ]),
      );
    }
    if (!(p.path ?? '').startsWith('/spec')) {
      errs.push(
        fieldError.invalid(
          at.child('path').toString(),
          goJson(showJsonPatch(p), 2),
          'jsonPatch path must start with "/spec"',
        ),
      );
    }
    errs.push(...indexAccessErrors(p, at.child('path')));
    errs.push(...validateJsonPatchValues(p, variables, at));
  });
  return errs;
}

/**
 * `spec.patches` of a ClusterClass. `runtimeSDK` is the RuntimeSDK feature gate, required for external
 * patches. Go template syntax of `enabledIf` and `valueFrom.template` is not checked here.
 */
export function validatePatches(spec: Spec | undefined, runtimeSDK: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  const variables = new Set((spec?.variables ?? []).map((v) => v.name ?? ''));
  (spec?.patches ?? []).forEach((patch, i) => {
    const path = FieldPath.of('spec', 'patches').index(i);
    const name = patch.name ?? '';
    if (name === '')
      errs.push(fieldError.required(path.child('name').toString(), 'patch name must be defined'));
    if (name === VARIABLE_DEFINITION_FROM_INLINE) {
      errs.push(
        fieldError.required(
          path.child('name').toString(),
          `"${VARIABLE_DEFINITION_FROM_INLINE}" can not be used as the name of a patch`,
        ),
      );
    }
    if (names.has(name)) {
      errs.push(
        fieldError.invalid(
          path.child('name').toString(),
          name,
          `patch names must be unique. Patch with name ${JSON.stringify(name)} is defined more than once`,
        ),
      );
    }
    names.add(name);
    if (patch.definitions === undefined && patch.external === undefined) {
      errs.push(fieldError.required(path.toString(), 'one of definitions or external must be defined'));
    }
    if (patch.definitions !== undefined && patch.external !== undefined) {
      errs.push(
        fieldError.invalid(
          path.toString(),
          showPatch(patch),
          'only one of definitions or external can be defined',
        ),
      );
    }
    (patch.definitions ?? []).forEach((d, j) => {
      const at = path.child('definitions').index(j);
      errs.push(...validateJsonPatches(d.jsonPatches ?? [], variables, at.child('jsonPatches')));
      errs.push(...validateSelector(d.selector, spec, at.child('selector')));
    });
    if (patch.external !== undefined) {
      if (!runtimeSDK) {
        errs.push(
          fieldError.forbidden(
            path.child('external').toString(),
            'patch.external can be used only if the RuntimeSDK feature flag is enabled',
          ),
        );
      }
      if (!patch.external.validateTopologyExtension && !patch.external.generatePatchesExtension) {
        errs.push(
          fieldError.invalid(
            path.child('external').toString(),
            showExternal(patch.external),
            'one of validateTopologyExtension and generatePatchesExtension must be defined',
          ),
        );
      }
    }
  });
  return errs;
}
