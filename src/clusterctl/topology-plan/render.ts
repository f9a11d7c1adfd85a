// The plan as text: per Cluster, the objects created (+), updated (~, with their fields) and deleted (-), then the
// Machines that would be replaced and why.
import type { ClusterPlan, MachineReplacement, TopologyPlan } from './plan.js';

const MAX_VALUE = 100;

function value(v: unknown): string {
  const text = JSON.stringify(v) ?? 'null';
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

const SIGN = { create: '+', update: '~', delete: '-' } as const;

function machineLines(list: MachineReplacement[]): string[] {
  const partWidth = Math.max(...list.map((m) => m.part.length));
  const nameWidth = Math.max(...list.map((m) => m.machine.length));
  return list.map(
    (m) => `    ${m.part.padEnd(partWidth)}  ${m.machine.padEnd(nameWidth)}  ${m.reasons.join('; ')}`,
  );
}

function renderCluster(p: ClusterPlan): string[] {
  const lines = [`Cluster ${p.namespace}/${p.name} (ClusterClass ${p.clusterClass})`];
  if (p.upgrade) {
    const steps =
      p.upgrade.controlPlaneSteps.length > 1 ? ` through ${p.upgrade.controlPlaneSteps.join(', ')}` : '';
    lines.push(
      `  upgrade ${p.upgrade.from} -> ${p.upgrade.to}${steps}: the control plane first, then the MachineDeployments one by one in topology order`,
    );
  }
  if (p.changes.length === 0) lines.push('  no object changes');
  for (const c of p.changes) {
    lines.push(`  ${SIGN[c.action]} ${c.kind} ${c.name}${c.note ? `  (${c.note})` : ''}`);
    for (const f of c.fields ?? [])
      lines.push(
        `      ${f.path}: ${'from' in f ? value(f.from) : '(unset)'} -> ${'to' in f ? value(f.to) : '(removed)'}`,
      );
  }
  if (p.replaced.length === 0) lines.push('  No Machine will be replaced.');
  else {
    lines.push(`  Machines to be replaced (${p.replaced.length}):`);
    lines.push(...machineLines(p.replaced));
  }
  if (p.deleted.length > 0) {
    lines.push(`  Machines to be deleted (${p.deleted.length}):`);
    lines.push(...machineLines(p.deleted));
  }
  for (const n of p.notes) lines.push(`  note: ${n}`);
  return lines;
}

export function renderPlan(plan: TopologyPlan): string {
  if (plan.clusters.length === 0) return 'No Cluster with a managed topology is affected by these objects.\n';
  return plan.clusters.map((c) => renderCluster(c).join('\n')).join('\n\n') + '\n';
}
