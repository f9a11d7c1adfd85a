import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { UsageError } from '../../clusterctl/errors.js';
import { formatAs } from '../../clusterctl/output.js';
import { parsePlanInput } from '../../clusterctl/topology-plan/input.js';
import { planTopology } from '../../clusterctl/topology-plan/plan.js';
import { renderPlan } from '../../clusterctl/topology-plan/render.js';
import { type CliIo, type ConnectionFlags, withConnectionOptions, withManagementPlane } from '../cli-io.js';

interface PlanFlags extends ConnectionFlags {
  file: string[];
  output?: 'yaml' | 'json';
}

/** `capi topology plan -f FILE`. */
export function addTopologyCommands(program: Command, io: CliIo): void {
  const topology = program.command('topology').description('ClusterClass managed topologies');
  withConnectionOptions(
    topology
      .command('plan')
      .description(
        'show what applying these objects (Clusters, ClusterClasses, templates) would change in the clusters with a ' +
          'managed topology: objects created, updated (field by field) or deleted, and the Machines to be replaced',
      )
      .requiredOption(
        '-f, --file <file>',
        'objects you are about to apply (YAML or JSON, several documents; - reads stdin); repeatable',
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      )
      .option('-o, --output <format>', 'yaml or json instead of text', parseFormat),
  ).action(async (flags: PlanFlags) => {
    const sources: { text: string; source: string }[] = [];
    for (const file of flags.file) {
      if (file === '-') {
        if (!io.readStdin) throw new InvalidArgumentError('no standard input to read the objects from');
        sources.push({ text: await io.readStdin(), source: 'stdin' });
      } else {
        const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
          throw new UsageError(
            `cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`,
          );
        });
        sources.push({ text, source: file });
      }
    }
    const text = await withManagementPlane(io, flags, async (plane, namespace) => {
      const objects = sources.flatMap((s) => parsePlanInput(s.text, s.source, namespace));
      const plan = await planTopology({ client: plane.client, objects });
      return flags.output ? formatAs(flags.output, plan) : renderPlan(plan);
    });
    io.stdout(text.endsWith('\n') ? text : text + '\n');
  });
}

function parseFormat(value: string): 'yaml' | 'json' {
  if (value === 'yaml' || value === 'json') return value;
  throw new InvalidArgumentError('use yaml or json.');
}
