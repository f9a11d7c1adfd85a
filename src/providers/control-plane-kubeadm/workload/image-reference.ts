// Container image references (`registry.k8s.io/coredns/coredns:v1.12.0`), read and rewritten the way Cluster
// API's util/container does with the distribution reference grammar: a name of `/`-separated components (the
// first may be a registry host with a port), an optional `:tag`, an optional `@algorithm:digest`.
import { ImageReferenceError } from './workload-errors.js';

export interface ImageReference {
  /** Everything before the tag and digest, registry included: `registry.k8s.io/coredns/coredns`. */
  name: string;
  tag?: string;
  digest?: string;
}

const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const NOT_TAG_CHARACTERS = /[^-a-zA-Z0-9_.]/g;

/** Reads an image reference; ImageReferenceError when it is not one. */
export function parseImageReference(image: string): ImageReference {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(image, `invalid digest "${digest}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(image, `invalid tag "${tag}"`);
  }
  const components = rest.split('/');
  const first = components[0] ?? '';
  const hasDomain = components.length > 1 && (/[.:]/.test(first) || first === 'localhost');
  if (hasDomain && !DOMAIN.test(first)) throw invalid(image, `invalid registry "${first}"`);
  for (const c of hasDomain ? components.slice(1) : components) {
    if (!PATH_COMPONENT.test(c)) throw invalid(image, `invalid repository name "${rest}"`);
  }
  return { name: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

export function formatImageReference(ref: ImageReference): string {
  return `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** The registry and path before the image's own name: `registry.k8s.io/coredns` of `.../coredns/coredns`. */
export function repositoryOf(ref: ImageReference): string {
  const slash = ref.name.lastIndexOf('/');
  return slash < 0 ? '' : ref.name.slice(0, slash);
}

/** The image's own name, the last path component: `coredns`. */
export function baseNameOf(ref: ImageReference): string {
  return ref.name.slice(ref.name.lastIndexOf('/') + 1);
}

/** A version as an image tag: tags cannot hold `+` (or anything but letters, digits, `_`, `.`, `-`). */
export const semverToImageTag = (version: string): string => version.replace(NOT_TAG_CHARACTERS, '_');

/**
 * The image with its tag set to `version` (made tag-safe). An image pinned by digest cannot change tag: the
 * digest would still select the old image.
 */
export function withImageTag(image: string, version: string): string {
  const ref = parseImageReference(image);
  if (ref.digest !== undefined) {
    throw new ImageReferenceError(image, `image ${image} uses digest as version, cannot update tag`);
  }
  const tag = semverToImageTag(version);
  if (!TAG.test(tag)) throw invalid(image, `invalid tag "${tag}"`);
  return formatImageReference({ name: ref.name, tag });
}

/** The image moved to `repository` (a registry with an optional path), keeping its name and tag. */
export function withImageRepository(image: string, repository: string): string {
  const ref = parseImageReference(image);
  if (ref.tag === undefined) throw new ImageReferenceError(image, `image ${image} must be tagged`);
  const name = `${repository.replace(/\/+$/, '')}/${baseNameOf(ref)}`;
  parseImageReference(name);
  return formatImageReference({ name, tag: ref.tag });
}

const invalid = (image: string, why: string): ImageReferenceError =>
  new ImageReferenceError(image, `couldn't parse image name ${JSON.stringify(image)}: ${why}`);
