import { isMap, parseAllDocuments, type Document } from 'yaml';
import { EnvsubstTemplate, type VariableLookup } from './envsubst.js';
import { InvalidTemplateYamlError } from './errors.js';

/** Template text and where it came from (a file name, `<stdin>`, `flavor "in-memory"`), for messages. */
export interface TemplateSource {
  readonly text: string;
  readonly source: string;
}

/**
 * Kinds clusterctl never moves into the target namespace because they are cluster-scoped (its
 * `IsResourceNamespaced` list); a Namespace object is renamed to the target instead.
 */
const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'CertificateSigningRequest',
  'ClusterRoleBinding',
  'ClusterRole',
  'VolumeAttachment',
  'StorageClass',
  'CSIDriver',
  'CSINode',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'CustomResourceDefinition',
  'PriorityClass',
  'RuntimeClass',
]);

/**
 * Substitutes variables, then checks the result is YAML, as clusterctl does when it turns the output into objects.
 * With `targetNamespace`, every namespaced object is put in it (clusterctl's rule, which keeps a cluster's objects
 * together for `move`); documents already there are left byte for byte, so the built-in flavors print as written.
 */
export function renderTemplate(
  template: TemplateSource,
  lookup: VariableLookup,
  options: { targetNamespace?: string } = {},
): string {
  const rendered = EnvsubstTemplate.parse(template.text, template.source).render(lookup);
  const docs = parseAllDocuments(rendered);
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) throw new InvalidTemplateYamlError(template.source, error.message, { cause: error });
  }
  const output =
    options.targetNamespace === undefined ? false : placeInNamespace(docs, options.targetNamespace);
  const yaml = output === false ? rendered : output;
  return yaml.endsWith('\n') ? yaml : yaml + '\n';
}

/** Re-serialises the stream when some object is elsewhere; false when nothing had to change. */
function placeInNamespace(docs: readonly Document.Parsed[], namespace: string): string | false {
  let changed = false;
  for (const doc of docs) {
    if (!isMap(doc.contents)) continue;
    const kind = doc.get('kind');
    if (kind === 'Namespace') {
      if (doc.getIn(['metadata', 'name']) !== namespace) {
        doc.setIn(['metadata', 'name'], namespace);
        changed = true;
      }
    } else if (typeof kind === 'string' && !CLUSTER_SCOPED_KINDS.has(kind)) {
      if (doc.getIn(['metadata', 'namespace']) !== namespace) {
        doc.setIn(['metadata', 'namespace'], namespace);
        changed = true;
      }
    }
  }
  if (!changed) return false;
  return docs
    .map((doc) => doc.toString({ lineWidth: 0, flowCollectionPadding: false, directives: false }))
    .join('---\n');
}
