// Objects stamped out of provider templates (a DevMachineTemplate becomes a DevMachine), the way upstream's
// `external.GenerateTemplate` builds them: `spec.template` of the template is the new object, marked with
// where it came from. Kept generic so other controllers that clone templates (control planes, pools) can use it.
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { parseApiVersion } from '../../controller-runtime/api/object.js';
import type { OwnerReference } from '../../controller-runtime/helpers/owner-references.js';
import { Annotation, Label } from '../api/v1beta2/well-known.js';

/** Provider template kinds end in `Template`; the objects made from them drop it. */
export const TEMPLATE_SUFFIX = 'Template';

export interface GenerateFromTemplateInput {
  /** The template as read from the API server. */
  template: KubeObject;
  namespace: string;
  /** The name of the new object (MachineSets name clones after their Machine). */
  name: string;
  clusterName: string;
  ownerReference?: OwnerReference;
  /** Added to the labels `spec.template.metadata` carries; these win. */
  labels?: Record<string, string>;
  /** Added to the annotations `spec.template.metadata` carries; these win. */
  annotations?: Record<string, string>;
}

/** `Kind.group` (apimachinery's `GroupKind.String()`), what `cluster.x-k8s.io/cloned-from-groupkind` holds. */
export function groupKindString(apiVersion: string, kind: string): string {
  const { group } = parseApiVersion(apiVersion);
  return group ? `${kind}.${group}` : kind;
}

/**
 * The object a template describes, ready to create: `spec.template` (a template without one yields an empty
 * object, as upstream tolerates), named and namespaced, with the template's and the caller's labels and
 * annotations, the cluster-name label, the `cloned-from-name`/`cloned-from-groupkind` annotations and the
 * owner reference; server-set metadata dropped.
 */
export function generateFromTemplate(input: GenerateFromTemplateInput): KubeObject {
  const spec = input.template['spec'] as { template?: Record<string, unknown> } | undefined;
  const body = structuredClone(spec?.template ?? {}) as Partial<KubeObject> & Record<string, unknown>;
  const meta: KubeObject['metadata'] = body.metadata ?? {};
  const templateApiVersion = input.template.apiVersion ?? '';
  const templateKind = input.template.kind ?? '';
  const out: KubeObject = {
    ...body,
    apiVersion: typeof body.apiVersion === 'string' && body.apiVersion ? body.apiVersion : templateApiVersion,
    kind:
      typeof body.kind === 'string' && body.kind
        ? body.kind
        : templateKind.endsWith(TEMPLATE_SUFFIX)
          ? templateKind.slice(0, -TEMPLATE_SUFFIX.length)
          : templateKind,
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...meta.labels, ...input.labels, [Label.ClusterName]: input.clusterName },
      annotations: {
        ...meta.annotations,
        ...input.annotations,
        [Annotation.TemplateClonedFromName]: input.template.metadata.name ?? '',
        [Annotation.TemplateClonedFromGroupKind]: groupKindString(templateApiVersion, templateKind),
      },
      ...(input.ownerReference ? { ownerReferences: [input.ownerReference] } : {}),
    },
  };
  return out;
}
