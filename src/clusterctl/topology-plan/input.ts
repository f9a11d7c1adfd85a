// The objects given to `capi topology plan -f`: YAML or JSON documents as `kubectl apply -f` takes them (a `List`
// is flattened), each with apiVersion, kind and name; the namespace defaults as kubectl's does.
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { UsageError } from '../errors.js';

export function parsePlanInput(text: string, source: string, namespace: string): KubeObject[] {
  const out: KubeObject[] = [];
  const docs = parseAllDocuments(text);
  docs.forEach((doc, index) => {
    const where = docs.length > 1 ? `${source} (document ${index + 1})` : source;
    if (doc.errors.length > 0)
      throw new UsageError(`${where}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const items =
      typeof value === 'object' && (value as { kind?: unknown }).kind === 'List'
        ? ((value as { items?: unknown[] }).items ?? [])
        : [value];
    for (const item of items) {
      const obj = item as Partial<KubeObject> | null;
      if (!obj || typeof obj !== 'object' || Array.isArray(obj))
        throw new UsageError(`${where}: not a Kubernetes object`);
      const missing = ['apiVersion', 'kind'].filter(
        (f) => typeof (obj as Record<string, unknown>)[f] !== 'string',
      );
      if (!obj.metadata?.name) missing.push('metadata.name');
      if (missing.length > 0) throw new UsageError(`${where}: object without ${missing.join(', ')}`);
      const metadata = { ...obj.metadata, namespace: obj.metadata?.namespace ?? namespace };
      out.push({ ...(obj as KubeObject), metadata });
    }
  });
  return out;
}
