import { type Command, InvalidArgumentError } from 'commander';
import { describeCluster, describeClusterTree } from '../../clusterctl/describe/describe-cluster.js';
import {
  machineTimeline,
  renderMachineSummary,
  renderMachineTimeline,
} from '../../clusterctl/describe/machine-timeline.js';
import { formatAs } from '../../clusterctl/output.js';
import {
  type CliIo,
  colorFor,
  type ConnectionFlags,
  withConnectionOptions,
  withManagementPlane,
} from '../cli-io.js';

interface DescribeFlags extends ConnectionFlags {
  showConditions?: string;
  showMachinesets?: boolean;
  showResourcesets?: boolean;
  echo?: boolean;
  grouping: boolean;
  color?: boolean;
  output?: 'yaml' | 'json';
}

interface DescribeMachineFlags extends ConnectionFlags {
  timeline?: boolean;
  color?: boolean;
  output?: 'yaml' | 'json';
}

/** `capi describe cluster NAME` and `capi describe machine NAME`. */
export function addDescribeCommands(program: Command, io: CliIo): void {
  const describe = program.command('describe').description('explain the state of workload clusters');
  withConnectionOptions(
    describe
      .command('cluster')
      .description(
        'show the object tree of a cluster with Ready/Available/UpToDate, and the reason of whatever is not ready',
      )
      .argument('<cluster>', 'name of the Cluster')
      .option(
        '--show-conditions <kinds>',
        'list the conditions of: all, or kinds (and Kind/name) separated by commas',
      )
      .option('--show-machinesets', 'show the MachineSets between MachineDeployments and their Machines')
      .option('--show-resourcesets', 'show the ClusterResourceSets applied to the cluster')
      .option('--echo', 'show conditions that only repeat their parent')
      .option('--grouping <bool>', 'group Machines in the same state into one line', parseBool, true)
      .option('-c, --color', 'colour the output even when it is not a terminal')
      .option('--no-color', 'never colour the output')
      .option(
        '-o, --output <format>',
        'yaml or json: the tree for machines instead of the table',
        parseFormat,
      ),
  ).action(async (name: string, flags: DescribeFlags) => {
    const build = {
      name,
      grouping: flags.grouping,
      ...(flags.showConditions !== undefined ? { showConditions: flags.showConditions } : {}),
      ...(flags.showMachinesets ? { showMachineSets: true } : {}),
      ...(flags.showResourcesets ? { showResourceSets: true } : {}),
      ...(flags.echo ? { echo: true } : {}),
    };
    const text = await withManagementPlane(io, flags, async (plane, namespace) =>
      flags.output
        ? formatAs(flags.output, await describeClusterTree(plane.client, { ...build, namespace }))
        : describeCluster(plane.client, { ...build, namespace, color: colorFor(io, flags.color) }),
    );
    io.stdout(text.endsWith('\n') ? text : text + '\n');
  });
  withConnectionOptions(
    describe
      .command('machine')
      .description(
        'show what a Machine is waiting for, and with --timeline its history: conditions, Events, creation, deletion',
      )
      .argument('<machine>', 'name of the Machine')
      .option('--timeline', 'list every condition transition and Event of the Machine, oldest first')
      .option('-c, --color', 'colour the output even when it is not a terminal')
      .option('--no-color', 'never colour the output')
      .option('-o, --output <format>', 'yaml or json: the timeline as data instead of text', parseFormat),
  ).action(async (name: string, flags: DescribeMachineFlags) => {
    const text = await withManagementPlane(io, flags, async (plane, namespace) => {
      const timeline = await machineTimeline(plane.client, namespace, name, {
        ...(io.signal ? { signal: io.signal } : {}),
      });
      if (flags.output) return formatAs(flags.output, timeline);
      const options = { color: colorFor(io, flags.color) };
      return flags.timeline
        ? renderMachineTimeline(timeline, options)
        : renderMachineSummary(timeline, options);
    });
    io.stdout(text.endsWith('\n') ? text : text + '\n');
  });
}

function parseBool(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError('use true or false.');
}

function parseFormat(value: string): 'yaml' | 'json' {
  if (value === 'yaml' || value === 'json') return value;
  throw new InvalidArgumentError('use yaml or json.');
}
