// From the spec's files and users to what the renderer writes: Secret references replaced by the values the
// caller read (the renderer never reads Secrets), and `contentFormat: Template` files rendered with the control
// plane version, as upstream's resolveFiles/resolveUsers do before rendering.
import type { File, User } from '../api/index.js';
import { FileContentFormat } from '../api/index.js';
import { formatSemver } from '../../../core/api/version.js';
import { parseKubernetesVersion } from '../kubeadm/index.js';
import { UnresolvedSecretReferenceError } from './cloudinit-errors.js';
import { fileTemplateData, renderFileTemplate } from './file-template.js';

/** A file as cloud-init writes it: content resolved and rendered. */
export interface CloudInitFile {
  path: string;
  content: string;
  owner?: string;
  permissions?: string;
  encoding?: File['encoding'];
  append?: boolean;
}

/** A user as cloud-init creates it: `passwdFrom` resolved into `passwd`. */
export type CloudInitUser = Omit<User, 'passwdFrom'>;

/** The decoded value of key `key` of Secret `name` in the config's namespace, or undefined when missing. */
export type SecretValueLookup = (ref: { name: string; key: string }) => string | undefined;

export interface ResolveFilesOptions {
  secretValue?: SecretValueLookup;
  /**
   * The control plane's Kubernetes version (e.g. KubeadmControlPlane `spec.version`) for `.controlPlane.version`;
   * normalised to `v<major>.<minor>.<patch>` as upstream does. Unset: the key is absent from the template data.
   */
  controlPlaneVersion?: string;
}

/**
 * The files of `spec.files`, ready to render. Throws UnresolvedSecretReferenceError for a `contentFrom` the
 * lookup cannot answer, FileTemplateError for a template that fails, InvalidKubernetesVersionError for a
 * control plane version that does not parse.
 */
export function resolveFiles(
  files: readonly File[] | undefined,
  options: ResolveFilesOptions = {},
): CloudInitFile[] {
  const version = options.controlPlaneVersion
    ? `v${formatSemver(parseKubernetesVersion(options.controlPlaneVersion))}`
    : undefined;
  const data = fileTemplateData(version);
  return (files ?? []).map((file) => {
    let content = file.content ?? '';
    if (file.contentFrom) {
      const ref = file.contentFrom.secret;
      const value = options.secretValue?.(ref);
      if (value === undefined)
        throw new UnresolvedSecretReferenceError(`file ${file.path}`, ref.name, ref.key);
      content = value;
    }
    if (file.contentFormat === FileContentFormat.Template)
      content = renderFileTemplate(file.path, content, data);
    const resolved: CloudInitFile = { path: file.path, content };
    if (file.owner !== undefined) resolved.owner = file.owner;
    if (file.permissions !== undefined) resolved.permissions = file.permissions;
    if (file.encoding !== undefined) resolved.encoding = file.encoding;
    if (file.append !== undefined) resolved.append = file.append;
    return resolved;
  });
}

/** The users of `spec.users`, with `passwdFrom` replaced by the password hash the lookup returns. */
export function resolveUsers(
  users: readonly User[] | undefined,
  options: { secretValue?: SecretValueLookup } = {},
): CloudInitUser[] {
  return (users ?? []).map(({ passwdFrom, ...user }) => {
    if (!passwdFrom) return user;
    const value = options.secretValue?.(passwdFrom.secret);
    if (value === undefined) {
      throw new UnresolvedSecretReferenceError(
        `user ${user.name}`,
        passwdFrom.secret.name,
        passwdFrom.secret.key,
      );
    }
    return { ...user, passwd: value };
  });
}
