// cloud-config user data for the three ways a machine becomes a node, as upstream renders them
// (bootstrap/kubeadm/pkg/cloudinit): the first control plane machine runs `kubeadm init`, later control
// plane machines and workers run `kubeadm join` (kubeadm reads from the JoinConfiguration's `controlPlane`
// whether to join as control plane, so both use the same command line).
//
// The document starts with `## template: jinja`, like upstream's: cloud-init then renders the whole user data
// as a Jinja template with the instance's metadata before parsing it, so a KubeadmConfig may say, for example,
// `nodeRegistration.name: '{{ ds.meta_data.local_hostname }}'` or use `{{ v1.local_hostname }}` in its
// commands. The other side of it: a literal `{{`, `{%` or `{#` anywhere in files or commands is read as Jinja.
//
// We build the document as data and let the YAML library quote it (upstream fills a text template), so any
// file content or command survives as written. Scalars are quoted by YAML 1.1 rules because cloud-init
// (PyYAML) follows them: a plain 0640 would be the number 416 there.
import { stringify } from 'yaml';
import type { DiskSetup, NTP } from '../api/index.js';
import type { CloudInitFile, CloudInitUser } from './file-resolution.js';

/** The first lines of every cloud-config Cluster API writes. */
export const CLOUD_CONFIG_HEADER = '## template: jinja\n#cloud-config\n';

/** Where the kubeadm configuration is written for `kubeadm init`. */
export const KUBEADM_INIT_CONFIG_PATH = '/run/kubeadm/kubeadm.yaml';
/** Where the kubeadm configuration is written for `kubeadm join`. */
export const KUBEADM_JOIN_CONFIG_PATH = '/run/kubeadm/kubeadm-join-config.yaml';
/**
 * Written once kubeadm succeeded; infrastructure providers (the Docker and in-memory ones among them) treat
 * its existence as "bootstrap done".
 */
export const BOOTSTRAP_SENTINEL_PATH = '/run/cluster-api/bootstrap-success.complete';
/**
 * Written first into /run/cluster-api so that directory exists when the sentinel is written: `write_files`
 * creates parent directories on Linux and Windows alike, where `mkdir -p` is not portable.
 */
export const PLACEHOLDER_PATH = '/run/cluster-api/placeholder';

/** What every kind of bootstrap data takes; field names match KubeadmConfigSpec's. */
export interface CloudConfigInput {
  /** spec.files, resolved (see resolveFiles). */
  files?: readonly CloudInitFile[];
  /** spec.users, resolved (see resolveUsers). */
  users?: readonly CloudInitUser[];
  ntp?: NTP;
  diskSetup?: DiskSetup;
  mounts?: readonly (readonly string[])[];
  bootCommands?: readonly string[];
  preKubeadmCommands?: readonly string[];
  postKubeadmCommands?: readonly string[];
  /** kubeadm's `--v` log level. */
  verbosity?: number;
}

export interface ControlPlaneInitInput extends CloudConfigInput {
  /** The kubeadm ClusterConfiguration YAML (marshalClusterConfiguration). */
  kubeadmClusterConfiguration: string;
  /** The kubeadm InitConfiguration YAML (marshalInitConfiguration). */
  kubeadmInitConfiguration: string;
  /** The cluster certificates (certificateFiles), written before the other files. */
  certificates: readonly CloudInitFile[];
}

export interface ControlPlaneJoinInput extends CloudConfigInput {
  /** The kubeadm JoinConfiguration YAML, with `controlPlane` set. */
  kubeadmJoinConfiguration: string;
  certificates: readonly CloudInitFile[];
}

export interface WorkerJoinInput extends CloudConfigInput {
  /** The kubeadm JoinConfiguration YAML. */
  kubeadmJoinConfiguration: string;
}

const SENTINEL_COMMAND = `echo success > ${BOOTSTRAP_SENTINEL_PATH}`;
const PLACEHOLDER_CONTENT =
  'Created so that /run/cluster-api exists when the bootstrap success file is written; ' +
  'write_files creates directories on Linux and Windows alike.';

const verbosityFlag = (verbosity: number | undefined): string =>
  verbosity === undefined ? '' : ` --v ${verbosity}`;

/** The command line `kubeadm init` runs with, followed by writing the sentinel file. */
export const kubeadmInitCommand = (verbosity?: number): string =>
  `kubeadm init --config ${KUBEADM_INIT_CONFIG_PATH}${verbosityFlag(verbosity)} && ${SENTINEL_COMMAND}`;

/** The command line `kubeadm join` runs with, followed by writing the sentinel file. */
export const kubeadmJoinCommand = (verbosity?: number): string =>
  `kubeadm join --config ${KUBEADM_JOIN_CONFIG_PATH}${verbosityFlag(verbosity)} && ${SENTINEL_COMMAND}`;

const nonEmpty = <T>(l: readonly T[] | undefined): T[] | undefined =>
  l && l.length > 0 ? [...l] : undefined;

function writeFile(file: CloudInitFile): Record<string, unknown> {
  return {
    path: file.path,
    encoding: file.encoding || undefined,
    owner: file.owner || undefined,
    permissions: file.permissions || undefined,
    append: file.append,
    content: file.content,
  };
}

const kubeadmConfigFile = (path: string, content: string): CloudInitFile => ({
  path,
  owner: 'root:root',
  permissions: '0640',
  content,
});

function user(u: CloudInitUser): Record<string, unknown> {
  return {
    name: u.name,
    passwd: u.passwd || undefined,
    gecos: u.gecos || undefined,
    groups: u.groups || undefined,
    homedir: u.homeDir || undefined,
    // A boolean, as upstream writes it, for cloudbase-init (Windows), which disables such users. cloud-init's
    // schema wants a string of days here and flags it; cloud-init itself ignores a non-string value.
    inactive: u.inactive,
    lock_passwd: u.lockPassword,
    shell: u.shell || undefined,
    primary_group: u.primaryGroup || undefined,
    sudo: u.sudo || undefined,
    ssh_authorized_keys: nonEmpty(u.sshAuthorizedKeys),
  };
}

/** MBR partition type codes of the well-known names (upstream's cloudInitPartitionType); others pass through. */
const PARTITION_TYPE_CODES: Record<string, string> = {
  Linux: '83',
  LinuxSwap: '82',
  LinuxRAID: 'fd',
  LVM: '8e',
  Fat32: '0c',
  NTFS: '07',
  LinuxExtended: '85',
};

/** Decimal-looking codes as numbers, as upstream's unquoted output parses; the rest (`8e`, GUIDs) as strings. */
const numberIfDecimal = (s: string): number | string => (/^[1-9][0-9]*$/.test(s) ? Number(s) : s);

function diskSetup(d: DiskSetup | undefined): Record<string, unknown> | undefined {
  if (!d?.partitions?.length) return undefined;
  const devices: Record<string, unknown> = {};
  for (const p of d.partitions) {
    devices[p.device] = {
      table_type: p.tableType,
      layout: p.diskLayout
        ? p.diskLayout.map((part) =>
            part.partitionType
              ? [
                  part.percentage,
                  numberIfDecimal(PARTITION_TYPE_CODES[part.partitionType] ?? part.partitionType),
                ]
              : part.percentage,
          )
        : p.layout,
      overwrite: p.overwrite,
    };
  }
  return devices;
}

function fsSetup(d: DiskSetup | undefined): Record<string, unknown>[] | undefined {
  return nonEmpty(d?.filesystems)?.map((fs) => ({
    label: fs.label || undefined,
    filesystem: fs.filesystem,
    device: fs.device,
    partition: fs.partition ? numberIfDecimal(fs.partition) : undefined,
    overwrite: fs.overwrite,
    replace_fs: fs.replaceFS || undefined,
    extra_opts: nonEmpty(fs.extraOpts),
  }));
}

function ntp(n: NTP | undefined): Record<string, unknown> | undefined {
  if (!n || (n.enabled === undefined && !n.servers?.length)) return undefined;
  return { enabled: n.enabled, servers: nonEmpty(n.servers) };
}

function render(input: CloudConfigInput, files: CloudInitFile[], kubeadmCommand: string): string {
  const doc = {
    write_files: files.map(writeFile),
    bootcmd: nonEmpty(input.bootCommands),
    runcmd: [...(input.preKubeadmCommands ?? []), kubeadmCommand, ...(input.postKubeadmCommands ?? [])],
    ntp: ntp(input.ntp),
    users: nonEmpty(input.users)?.map(user),
    disk_setup: diskSetup(input.diskSetup),
    fs_setup: fsSetup(input.diskSetup),
    mounts: nonEmpty(input.mounts)?.map((m) => [...m]),
  };
  return (
    CLOUD_CONFIG_HEADER +
    stringify(doc, { version: '1.1', lineWidth: 0, indentSeq: false, aliasDuplicateObjects: false })
  );
}

const placeholder: CloudInitFile = {
  path: PLACEHOLDER_PATH,
  owner: 'root:root',
  permissions: '0640',
  content: PLACEHOLDER_CONTENT,
};

const ensureNewline = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);

/** User data of the first control plane machine: certificates, files, then `kubeadm init`. */
export function renderControlPlaneInitCloudConfig(input: ControlPlaneInitInput): string {
  const kubeadmYAML = `---\n${ensureNewline(input.kubeadmClusterConfiguration)}---\n${ensureNewline(input.kubeadmInitConfiguration)}`;
  return render(
    input,
    [
      ...input.certificates,
      ...(input.files ?? []),
      kubeadmConfigFile(KUBEADM_INIT_CONFIG_PATH, kubeadmYAML),
      placeholder,
    ],
    kubeadmInitCommand(input.verbosity),
  );
}

/** User data of a control plane machine joining an initialized control plane. */
export function renderControlPlaneJoinCloudConfig(input: ControlPlaneJoinInput): string {
  return render(
    input,
    [
      ...input.certificates,
      ...(input.files ?? []),
      kubeadmConfigFile(KUBEADM_JOIN_CONFIG_PATH, ensureNewline(input.kubeadmJoinConfiguration)),
      placeholder,
    ],
    kubeadmJoinCommand(input.verbosity),
  );
}

/** User data of a worker machine. */
export function renderWorkerJoinCloudConfig(input: WorkerJoinInput): string {
  return render(
    input,
    [
      ...(input.files ?? []),
      kubeadmConfigFile(KUBEADM_JOIN_CONFIG_PATH, `---\n${ensureNewline(input.kubeadmJoinConfiguration)}`),
      placeholder,
    ],
    kubeadmJoinCommand(input.verbosity),
  );
}
