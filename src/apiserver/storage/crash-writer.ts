/**
 * Child process for crash.test.ts: opens the store in argv[2] and runs concurrent writers forever,
 * printing each operation before it is issued ("begin") and after it is acknowledged ("ack"), until the
 * test SIGKILLs it. Every printed ack was really given, and every write that may have reached the disk
 * was announced by a "begin" line first.
 * Small segments, frequent snapshots and tight retention put rotation, snapshot and prune in the blast
 * radius too.
 */
import { writeSync } from 'node:fs';
import { RevisionedStore } from './revisioned-store.js';

const [dir, round = '0', workersArg = '16'] = process.argv.slice(2);
if (!dir) throw new Error('usage: crash-writer <dir> <round> <workers>');

const store = await RevisionedStore.open({
  dir,
  segmentBytes: 8 << 10,
  snapshotEveryBytes: 16 << 10,
  retention: { minRevisions: 100, minAgeMs: 0, maxEvents: 500 },
});
/**
 * process.stdout queues in memory when the pipe is full, and a SIGKILL would lose that queue: the test
 * would then miss a "begin" for a write that did reach the disk. A write(2) that returned is in the pipe
 * and survives the kill, so lines go out with writeSync, retrying while a non-blocking pipe is full.
 */
function print(line: string): void {
  const buf = Buffer.from(`${line}\n`);
  let done = 0;
  while (done < buf.length) {
    try {
      done += writeSync(1, buf, done, buf.length - done);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}
print(`ready ${store.currentRevision}`);

async function worker(id: number): Promise<void> {
  const own: string[] = [];
  let seed = (Number(round) * 7919 + id * 104729) | 0;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let n = 0; ; n++) {
    const choice = rand(100);
    if (own.length === 0 || choice < 50) {
      const key = `/crash/r${round}/w${id}/k${n}`;
      const value = `${key}#${n}#${'v'.repeat(rand(200))}`;
      print(`begin put ${key} ${value}`);
      const kv = await store.create(key, value);
      own.push(key);
      print(`ack put ${kv.modRevision} ${key} ${value}`);
    } else {
      const index = rand(own.length);
      const key = own[index]!;
      const current = store.get(key)!;
      if (choice < 85) {
        const value = `${key}#${n}#${'u'.repeat(rand(200))}`;
        print(`begin put ${key} ${value}`);
        const kv = await store.update(key, value, current.modRevision);
        print(`ack put ${kv.modRevision} ${key} ${value}`);
      } else {
        print(`begin delete ${key}`);
        const { revision } = await store.delete(key, current.modRevision);
        own.splice(index, 1);
        print(`ack delete ${revision} ${key}`);
      }
    }
  }
}

await Promise.all(Array.from({ length: Number(workersArg) }, (_, i) => worker(i)));
