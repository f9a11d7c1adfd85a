// Checks on ClusterClasses and on how Cluster topologies use them (upstream's `internal/topology/check`),
// shared by the Cluster and ClusterClass webhooks.
import type { Reader } from '../../../controller-runtime/client/client.js';
import { type FieldError, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../../controller-runtime/webhook/field-path.js';
import {
  API_VERSION,
  type Cluster,
  type ClusterClass,
  type TemplateReference,
} from '../../api/v1beta2/index.js';
import { isDefined, type Loose } from './object.js';

const TEMPLATE_SUFFIX = 'Template';

/** schema.ParseGroupVersion: `group/version`, a bare `version` (core group), or an error. */
export function parseGroupVersion(
  apiVersion: string,
): { group: string; version: string } | { error: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: apiVersion };
  if (parts.length === 2) return { group: parts[0] ?? '', version: parts[1] ?? '' };
  return { error: `unexpected GroupVersion string: ${apiVersion}` };
}

const groupOf = (ref: Loose<TemplateReference> | undefined): string => {
  const gv = parseGroupVersion(ref?.apiVersion ?? '');
  return 'error' in gv ? '' : gv.group;
};

/** A template reference names a `<Kind>Template` with a name and a parsable, non-empty apiVersion. */
export function templateRefErrors(
  ref: Loose<TemplateReference> | undefined,
  prefix: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  // Upstream still reports these under the v1beta1 name of the field, `ref`.
  const path = prefix.child('ref');
  if (!ref?.name)
    errs.push(fieldError.required(path.child('name').toString(), 'template name must be defined'));
  const kind = ref?.kind ?? '';
  if (kind.length <= TEMPLATE_SUFFIX.length || !kind.endsWith(TEMPLATE_SUFFIX)) {
    errs.push(
      fieldError.invalid(
        path.child('kind').toString(),
        kind,
        `template kind must be of form "<name>${TEMPLATE_SUFFIX}"`,
      ),
    );
  }
  const gv = parseGroupVersion(ref?.apiVersion ?? '');
  if ('error' in gv) {
    errs.push(
      fieldError.invalid(
        path.child('apiVersion').toString(),
        ref?.apiVersion ?? '',
        `template apiVersion must be a valid Kubernetes apiVersion: ${gv.error}`,
      ),
    );
  } else if (gv.group === '' && gv.version === '') {
    errs.push(
      fieldError.required(path.child('apiVersion').toString(), 'template apiVersion must be defined'),
    );
  }
  return errs;
}

/** Every template reference of a ClusterClass is valid. */
export function clusterClassTemplatesAreValid(cc: Loose<ClusterClass>): FieldError[] {
  const spec = FieldPath.of('spec');
  const errs = [
    ...templateRefErrors(cc.spec?.infrastructure?.templateRef, spec.child('infrastructure')),
    ...templateRefErrors(cc.spec?.controlPlane?.templateRef, spec.child('controlPlane')),
  ];
  const machineInfra = cc.spec?.controlPlane?.machineInfrastructure?.templateRef;
  if (isDefined(machineInfra)) {
    errs.push(...templateRefErrors(machineInfra, spec.child('controlPlane', 'machineInfrastructure')));
  }
  for (const [list, items] of [
    ['machineDeployments', cc.spec?.workers?.machineDeployments ?? []],
    ['machinePools', cc.spec?.workers?.machinePools ?? []],
  ] as const) {
    items.forEach((c, i) => {
      const template = spec.child('workers', list).index(i).child('template');
      errs.push(...templateRefErrors(c.bootstrap?.templateRef, template.child('bootstrap')));
      errs.push(...templateRefErrors(c.infrastructure?.templateRef, template.child('infrastructure')));
    });
  }
  return errs;
}

/** No two MachineDeployment (or MachinePool) classes share a name. */
export function workerClassesAreUnique(cc: Loose<ClusterClass>): FieldError[] {
  const errs: FieldError[] = [];
  for (const [list, what, items] of [
    ['machineDeployments', 'MachineDeployment', cc.spec?.workers?.machineDeployments ?? []],
    ['machinePools', 'MachinePool', cc.spec?.workers?.machinePools ?? []],
  ] as const) {
    const seen = new Set<string>();
    items.forEach((c, i) => {
      const name = c.class ?? '';
      if (seen.has(name)) {
        errs.push(
          fieldError.invalid(
            FieldPath.of('spec', 'workers', list).index(i).child('class').toString(),
            name,
            `${what} class must be unique. ${what} with class ${JSON.stringify(name)} is defined more than once`,
          ),
        );
      }
      seen.add(name);
    });
  }
  return errs;
}

function templatesAreCompatible(
  current: Loose<TemplateReference> | undefined,
  desired: Loose<TemplateReference> | undefined,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const [cg, dg] = [groupOf(current), groupOf(desired)];
  if (cg !== dg) {
    errs.push(
      fieldError.forbidden(
        path.child('apiVersion').toString(),
        `group of apiVersion cannot be changed from ${JSON.stringify(cg)} to ${JSON.stringify(dg)} to prevent incompatible changes in the Clusters`,
      ),
    );
  }
  const [ck, dk] = [current?.kind ?? '', desired?.kind ?? ''];
  if (ck !== dk) {
    errs.push(
      fieldError.forbidden(
        path.child('kind').toString(),
        `kind cannot be changed from ${JSON.stringify(ck)} to ${JSON.stringify(dk)} to prevent incompatible changes in the Clusters`,
      ),
    );
  }
  return errs;
}

/**
 * A new version of a ClusterClass (or another class a Cluster rebases onto) keeps the group and kind of every
 * template existing Clusters were built from: objects of another kind cannot be patched into place.
 */
export function clusterClassesAreCompatible(
  current: Loose<ClusterClass>,
  desired: Loose<ClusterClass>,
): FieldError[] {
  const spec = FieldPath.of('spec');
  const errs = [
    ...templatesAreCompatible(
      current.spec?.infrastructure?.templateRef,
      desired.spec?.infrastructure?.templateRef,
      spec.child('infrastructure', 'templateRef'),
    ),
    ...templatesAreCompatible(
      current.spec?.controlPlane?.templateRef,
      desired.spec?.controlPlane?.templateRef,
      spec.child('controlPlane', 'templateRef'),
    ),
  ];
  const [cmi, dmi] = [
    current.spec?.controlPlane?.machineInfrastructure?.templateRef,
    desired.spec?.controlPlane?.machineInfrastructure?.templateRef,
  ];
  if (isDefined(cmi) || isDefined(dmi)) {
    errs.push(
      ...templatesAreCompatible(cmi, dmi, spec.child('controlPlane', 'machineInfrastructure', 'templateRef')),
    );
  }
  for (const list of ['machineDeployments', 'machinePools'] as const) {
    const old = current.spec?.workers?.[list] ?? [];
    (desired.spec?.workers?.[list] ?? []).forEach((c, i) => {
      for (const o of old) {
        if (o.class !== c.class) continue;
        errs.push(
          ...templatesAreCompatible(
            o.infrastructure?.templateRef,
            c.infrastructure?.templateRef,
            spec.child('workers', list).index(i).child('infrastructure', 'templateRef'),
          ),
        );
      }
    });
  }
  return errs;
}

/**
 * Each MachineDeployment (and MachinePool) of a Cluster topology uses a class of its ClusterClass and has a
 * unique, non-empty name.
 */
export function workerTopologiesAreValid(cluster: Loose<Cluster>, cc: Loose<ClusterClass>): FieldError[] {
  const errs: FieldError[] = [];
  const ccName = cc.metadata?.name ?? '';
  for (const [list, what, topologies, classes] of [
    [
      'machineDeployments',
      'MachineDeployment',
      cluster.spec?.topology?.workers?.machineDeployments ?? [],
      cc.spec?.workers?.machineDeployments ?? [],
    ],
    [
      'machinePools',
      'MachinePool',
      cluster.spec?.topology?.workers?.machinePools ?? [],
      cc.spec?.workers?.machinePools ?? [],
    ],
  ] as const) {
    const known = new Set(classes.map((c) => c.class ?? ''));
    const names = new Set<string>();
    topologies.forEach((t, i) => {
      const path = FieldPath.of('spec', 'topology', 'workers', list).index(i);
      const cls = t.class ?? '';
      if (!known.has(cls)) {
        errs.push(
          fieldError.invalid(
            path.child('class').toString(),
            cls,
            `${what}Class with name ${JSON.stringify(cls)} does not exist in ClusterClass ${JSON.stringify(ccName)}`,
          ),
        );
      }
      const name = t.name ?? '';
      if (name === '') {
        errs.push(fieldError.required(path.child('name').toString(), 'name must not be empty'));
        return;
      }
      if (names.has(name)) {
        errs.push(
          fieldError.invalid(
            path.child('name').toString(),
            name,
            `name must be unique. ${what} with name ${JSON.stringify(name)} is defined more than once`,
          ),
        );
      }
      names.add(name);
    });
  }
  return errs;
}

/** Where a Cluster's ClusterClass lives: `classRef.namespace`, else the Cluster's own namespace. */
export function classKeyOf(cluster: Loose<Cluster>): { namespace: string; name: string } {
  return {
    namespace: cluster.spec?.topology?.classRef?.namespace || (cluster.metadata?.namespace ?? ''),
    name: cluster.spec?.topology?.classRef?.name ?? '',
  };
}

export const keyText = (key: { namespace: string; name: string }): string => `${key.namespace}/${key.name}`;

/** The Clusters (in any namespace: classRef may point across namespaces) built from a ClusterClass. */
export async function clustersUsingClusterClass(
  reader: Reader,
  cc: Loose<ClusterClass>,
): Promise<Loose<Cluster>[]> {
  const list = await reader.list({ apiVersion: API_VERSION, kind: 'Cluster' });
  const want = { namespace: cc.metadata?.namespace ?? '', name: cc.metadata?.name ?? '' };
  return (list.items as Loose<Cluster>[]).filter((c) => {
    if (!isDefined(c.spec?.topology)) return false;
    const key = classKeyOf(c);
    return key.namespace === want.namespace && key.name === want.name;
  });
}
