import { readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { StoreLockedError } from './storage-errors.js';

/**
 * Keeps two stores (two processes, or one process twice) from appending to the same log, which would
 * interleave records and corrupt it. Node has no flock, so the lock is a LOCK file naming the owner's pid
 * and its kernel start time: a pid that is dead, or alive but started at another time (pid reuse after a
 * reboot or in a fresh container), marks a stale lock left by a crash, which is taken over.
 */

const LOCK_FILE = 'LOCK';
/** Directories this process holds, because our own pid is always alive. */
const heldByThisProcess = new Set<string>();

/** The process start time in clock ticks since boot (field 22 of /proc/<pid>/stat); '' off Linux. */
function startTimeOf(pid: number | 'self'): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): { pid: number; start: string } | undefined {
  const [pid, start = ''] = text.trim().split(' ');
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 ? { pid: n, start } : undefined;
}

async function ownerOf(file: string): Promise<{ pid: number; start: string } | undefined> {
  try {
    return parseOwner(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A live process started when the lock says (not a reused pid): the lock is held, not stale. */
function isLiveOwner(owner: { pid: number; start: string }): boolean {
  if (!isAlive(owner.pid)) return false;
  const start = startTimeOf(owner.pid);
  return owner.start === '' || start === '' || start === owner.start;
}

export interface DirLock {
  release(): Promise<void>;
}

export async function lockDirectory(dir: string): Promise<DirLock> {
  const key = path.resolve(dir);
  const file = path.join(key, LOCK_FILE);
  if (heldByThisProcess.has(key)) throw new StoreLockedError(key, process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(file, 'wx');
      try {
        await fh.writeFile(`${process.pid} ${startTimeOf('self')}\n`);
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new StoreLockedError(key, 0);
        throw err;
      }
      const owner = await ownerOf(file);
      if (owner && owner.pid !== process.pid && isLiveOwner(owner))
        throw new StoreLockedError(key, owner.pid);
      await rm(file, { force: true });
    }
  }
  heldByThisProcess.add(key);
  return {
    async release(): Promise<void> {
      if (!heldByThisProcess.delete(key)) return;
      await rm(file, { force: true });
    },
  };
}

/**
 * Whether a live process holds the lock of `dir` (the same test `lockDirectory` uses to tell a running owner
 * from a stale lock a crash left). Read-only: lets other commands find out whether a data directory is being
 * served without touching it.
 */
export function isDirectoryLocked(dir: string): boolean {
  let owner: { pid: number; start: string } | undefined;
  try {
    owner = parseOwner(readFileSync(path.join(path.resolve(dir), LOCK_FILE), 'utf8'));
  } catch {
    return false;
  }
  return owner !== undefined && isLiveOwner(owner);
}
