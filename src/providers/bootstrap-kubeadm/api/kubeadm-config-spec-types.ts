// KubeadmConfigSpec: what a Machine's bootstrap data is made of. Written once here and embedded by
// KubeadmConfigTemplate, KubeadmControlPlane and KubeadmControlPlaneTemplate, as upstream does.
import {
  array,
  boolean,
  int32,
  object,
  required,
  type Static,
  string,
  stringEnum,
} from '../../../core/api/openapi/schema-builder.js';
import { boundedString, boundedStringList } from './bounded-string.js';
import {
  ClusterConfigurationSchema,
  InitConfigurationSchema,
  JoinConfigurationSchema,
} from './kubeadm-types.js';

/** A key of a Secret in the config's namespace. */
const secretKeySource = (description: string) =>
  object(
    {
      secret: required(
        object(
          {
            key: required(boundedString(256, 'Key in the Secret data.')),
            name: required(boundedString(253, 'Name of the Secret, in the same namespace.')),
          },
          { description: 'The Secret and key to read.' },
        ),
      ),
    },
    { description },
  );

/** A file written on the machine before kubeadm runs (cloud-init write_files). */
export const FileSchema = object({
  append: boolean({ description: 'Append to the file instead of replacing it.' }),
  content: boundedString(10240, 'Content of the file; excludes contentFrom.'),
  contentFormat: stringEnum(['Raw', 'Template'] as const, {
    description: 'Raw writes content as is; Template renders it first (for example with the version).',
  }),
  contentFrom: secretKeySource('Reads the content from a Secret; excludes content.'),
  encoding: stringEnum(['base64', 'gzip', 'gzip+base64'] as const, {
    description: 'How the content is encoded.',
  }),
  owner: boundedString(256, 'Owner of the file, such as root:root.'),
  path: required(boundedString(512, 'Absolute path of the file.')),
  permissions: boundedString(16, 'Mode of the file, such as 0640.'),
});
export type File = Static<typeof FileSchema>;

/** A user created on the machine. */
export const UserSchema = object({
  gecos: boundedString(256, 'GECOS field of the user.'),
  groups: boundedString(256, 'Additional groups, comma-separated.'),
  homeDir: boundedString(256, 'Home directory.'),
  inactive: boolean({ description: 'Create the user inactive.' }),
  lockPassword: boolean({ description: 'Forbid password login.' }),
  name: required(boundedString(256, 'User name.')),
  passwd: boundedString(256, 'Hashed password; excludes passwdFrom.'),
  passwdFrom: secretKeySource('Reads the hashed password from a Secret; excludes passwd.'),
  primaryGroup: boundedString(256, 'Primary group.'),
  shell: boundedString(256, 'Login shell.'),
  sshAuthorizedKeys: boundedStringList(2048, { description: 'Authorized SSH public keys.', maxItems: 100 }),
  sudo: boundedString(256, 'sudoers rule of the user.'),
});
export type User = Static<typeof UserSchema>;

export const NTPSchema = object(
  {
    enabled: boolean({ description: 'Whether NTP is enabled.' }),
    servers: boundedStringList(512, { description: 'NTP servers to use.', maxItems: 100 }),
  },
  { description: 'Time synchronisation of the machine.', minProperties: 1 },
);
export type NTP = Static<typeof NTPSchema>;

/** One partition of a device, as a share of its size. */
export const PartitionSpecSchema = object({
  partitionType: string({
    description: 'Partition type: a well-known name or a GPT partition GUID.',
    minLength: 1,
    maxLength: 36,
    validations: [
      {
        rule: "self.matches('^(Linux|LinuxSwap|LinuxRAID|LVM|Fat32|NTFS|LinuxExtended|[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12})$')",
        message:
          'partitionType must be one of Linux, LinuxSwap, LinuxRAID, LVM, Fat32, NTFS, LinuxExtended or a full GPT partition GUID',
      },
    ],
  }),
  percentage: required(int32({ description: 'Share of the device, in percent.', minimum: 1, maximum: 100 })),
});
export type PartitionSpec = Static<typeof PartitionSpecSchema>;

/** How one device is partitioned: either `layout` or an explicit `diskLayout`. */
export const PartitionSchema = object(
  {
    device: required(boundedString(256, 'Device to partition.')),
    diskLayout: array(PartitionSpecSchema, {
      description: 'Explicit partitions of the device; excludes layout.',
      minItems: 1,
      maxItems: 100,
      listType: 'atomic',
    }),
    layout: boolean({
      description:
        'True makes one partition over the whole device; false leaves it as is. Excludes diskLayout.',
    }),
    overwrite: boolean({ description: 'Partition even if a partition or file system exists.' }),
    tableType: stringEnum(['mbr', 'gpt'] as const, { description: 'Partition table type; mbr by default.' }),
  },
  {
    validations: [
      {
        rule: '[has(self.layout),has(self.diskLayout)].filter(x,x==true).size() == 1',
        message: 'exactly one of the fields in [layout diskLayout] must be set',
      },
    ],
  },
);
export type Partition = Static<typeof PartitionSchema>;

/** A file system created on a device or partition. */
export const FilesystemSchema = object({
  device: required(boundedString(256, 'Device the file system is created on.')),
  extraOpts: boundedStringList(256, { description: 'Extra options of mkfs.', maxItems: 100 }),
  filesystem: required(boundedString(128, 'File system type, such as ext4.')),
  label: boundedString(512, 'File system label; None for no label.'),
  overwrite: boolean({ description: 'Replace an existing file system.' }),
  partition: boundedString(128, 'Partition to use: auto, any, none or a number.'),
  replaceFS: boundedString(128, 'File system type to replace (Azure only).'),
});
export type Filesystem = Static<typeof FilesystemSchema>;

export const DiskSetupSchema = object(
  {
    filesystems: array(FilesystemSchema, {
      description: 'File systems to create.',
      maxItems: 100,
      listType: 'atomic',
    }),
    partitions: array(PartitionSchema, {
      description: 'Partition tables to create.',
      maxItems: 100,
      listType: 'atomic',
    }),
  },
  { description: 'Partitions and file systems created on first boot.', minProperties: 1 },
);
export type DiskSetup = Static<typeof DiskSetupSchema>;

export const IgnitionSpecSchema = object(
  {
    containerLinuxConfig: object(
      {
        additionalConfig: boundedString(32768, 'Container Linux Config merged into the generated one.'),
        strict: boolean({ description: 'Treat warnings in additionalConfig as errors.' }),
      },
      { description: 'Container Linux Config settings.', minProperties: 1 },
    ),
  },
  { description: 'Ignition settings; only with format ignition.', minProperties: 1 },
);
export type IgnitionSpec = Static<typeof IgnitionSpecSchema>;

const commands = (description: string) =>
  boundedStringList(10240, { description, minItems: 1, maxItems: 1000 });

/**
 * The desired bootstrap data: kubeadm init (clusterConfiguration + initConfiguration) for the first control
 * plane Machine, kubeadm join (joinConfiguration) for the others, plus files, users and commands around it.
 */
export const KubeadmConfigSpecSchema = object(
  {
    bootCommands: commands('Commands run very early on every boot (cloud-init bootcmd; not with Ignition).'),
    clusterConfiguration: ClusterConfigurationSchema,
    diskSetup: DiskSetupSchema,
    files: array(FileSchema, {
      description: 'Files written before kubeadm runs.',
      minItems: 1,
      maxItems: 200,
      listType: 'atomic',
    }),
    format: stringEnum(['cloud-config', 'ignition'] as const, {
      description: 'Format of the bootstrap data; cloud-config when unset.',
    }),
    ignition: IgnitionSpecSchema,
    initConfiguration: InitConfigurationSchema,
    joinConfiguration: JoinConfigurationSchema,
    mounts: array(
      array(boundedString(512), {
        description: 'One mount: device, mount point and options, as cloud-init mounts takes them.',
        minItems: 1,
        maxItems: 100,
      }),
      { description: 'Mount points to set up.', minItems: 1, maxItems: 100, listType: 'atomic' },
    ),
    ntp: NTPSchema,
    postKubeadmCommands: commands('Commands run after kubeadm.'),
    preKubeadmCommands: commands('Commands run before kubeadm.'),
    users: array(UserSchema, {
      description: 'Users to create.',
      minItems: 1,
      maxItems: 100,
      listType: 'atomic',
    }),
    verbosity: int32({ description: 'kubeadm log verbosity (its --v flag).' }),
  },
  { description: 'The desired bootstrap data of a Machine.', minProperties: 1 },
);
export type KubeadmConfigSpec = Static<typeof KubeadmConfigSpecSchema>;
