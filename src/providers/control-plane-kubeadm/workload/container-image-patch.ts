import type { JsonPatchOperation } from '../../../controller-runtime/client/client.js';

interface PodTemplateOwner {
  spec?: { template?: { spec?: { containers?: { name?: string; image?: string }[] } } };
}

/**
 * A JSON patch setting the image of the containers named `container` in a Deployment's or DaemonSet's pod
 * template, each guarded by a `test` of the image it replaces, so a concurrent change makes the write fail
 * instead of being overwritten. Empty when no such container exists.
 */
export function containerImagePatch(
  obj: PodTemplateOwner,
  container: string,
  image: string,
): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  (obj.spec?.template?.spec?.containers ?? []).forEach((c, i) => {
    if (c.name !== container || c.image === image) return;
    const path = `/spec/template/spec/containers/${i}`;
    ops.push(
      { op: 'test', path: `${path}/name`, value: container },
      c.image === undefined
        ? { op: 'add', path: `${path}/image`, value: image }
        : { op: 'test', path: `${path}/image`, value: c.image },
    );
    if (c.image !== undefined) ops.push({ op: 'replace', path: `${path}/image`, value: image });
  });
  return ops;
}
