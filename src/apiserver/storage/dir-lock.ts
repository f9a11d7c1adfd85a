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

async function ownerOf(file: string): Promise<{ pid: number; start: string } | undefined> {
  try {
    const [pid, start = ''] = (await readFile(file, 'utf8')).trim().split(' ');
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, start } : undefined;
  } catch {
    return undefined;
  }
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
      if (owner && owner.pid !== process.pid && isAlive(owner.pid)) {
        const start = startTimeOf(owner.pid);
        if (owner.start === '' || start === '' || start === owner.start) {
          throw new StoreLockedError(key, owner.pid);
        }
      }
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
