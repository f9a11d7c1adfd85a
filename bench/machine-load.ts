/**
 * How busy the machine was during a benchmark section, split into this benchmark's processes (this one,
 * its live descendants, and the children it already reaped) and everything else, from Linux's /proc. On a
 * shared machine this says whether a run's figures were disturbed. Elsewhere it reports nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface Sample {
  /** All CPU time of the machine, idle included, in clock ticks. */
  total: number;
  cores: number;
  /** Busy (not idle, not waiting for I/O) CPU time of the machine. */
  busy: number;
  /** CPU time of this process tree. */
  tree: number;
  /** CPU time of the watched process, if any. */
  watched: number;
}

function machineTicks(): { total: number; busy: number; cores: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const line = lines[0] ?? '';
  const cores = lines.filter((l) => /^cpu\d+ /.test(l)).length;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { total: busy + idle + iowait, busy, cores };
}

/** utime + stime + cutime + cstime, and the parent pid, of one process; undefined if it is gone. */
function processTicks(pid: number): { ppid: number; ticks: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may contain spaces) start at field 3, `state`.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (i: number): number => Number(rest[i] ?? 0);
  return { ppid: n(1), ticks: n(11) + n(12) + n(13) + n(14) };
}

function treeTicks(root: number): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const info = processTicks(pid);
    if (!info) continue;
    ticks.set(pid, info.ticks);
    const list = children.get(info.ppid) ?? [];
    list.push(pid);
    children.set(info.ppid, list);
  }
  let sum = 0;
  const stack = [root];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    sum += ticks.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return sum;
}

function sample(watchedPid?: number): Sample | undefined {
  try {
    const watched = watchedPid === undefined ? 0 : (processTicks(watchedPid)?.ticks ?? Number.NaN);
    return { ...machineTicks(), tree: treeTicks(process.pid), watched };
  } catch {
    return undefined;
  }
}

/** The pid of a descendant of this process whose command line matches, e.g. the API server child. */
export function findDescendant(matches: (commandLine: string) => boolean): number | undefined {
  try {
    const parents = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const info = processTicks(Number(entry));
      if (info) parents.set(Number(entry), info.ppid);
    }
    const isOurs = (pid: number): boolean => {
      for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) {
        if (p === process.pid) return true;
      }
      return false;
    };
    for (const pid of parents.keys()) {
      if (!isOurs(pid)) continue;
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {
        continue;
      }
      if (matches(cmdline)) return pid;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

export interface MachineLoad {
  /** Share of the whole machine (all cores) used by this benchmark's processes. */
  ours: number;
  /** Share of the whole machine used by every other process. */
  others: number;
  /** CPU of the watched process in cores (1 = one core busy all the time); NaN if none was given. */
  watchedCores: number;
}

/**
 * Starts measuring; the returned function gives the shares since then (undefined without /proc).
 * `watchedPid`: also report that process's own CPU (e.g. the API server's).
 */
export function machineLoadMeter(watchedPid?: number): () => MachineLoad | undefined {
  const start = sample(watchedPid);
  return () => {
    const end = sample(watchedPid);
    if (!start || !end || end.total <= start.total) return undefined;
    const total = end.total - start.total;
    const ours = end.tree - start.tree;
    const busy = end.busy - start.busy;
    return {
      ours: ours / total,
      others: Math.max(0, busy - ours) / total,
      watchedCores:
        watchedPid === undefined ? Number.NaN : ((end.watched - start.watched) / total) * end.cores,
    };
  };
}
