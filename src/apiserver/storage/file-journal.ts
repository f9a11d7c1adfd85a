import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { type DirLock, lockDirectory } from './dir-lock.js';
import type { Journal, StoreLogger } from './journal.js';
import type { KeyValue } from './key-value.js';
import {
  type LogRecord,
  decodeLogRecord,
  decodeSnapshotEntry,
  decodeSnapshotFooter,
  decodeSnapshotHeader,
  encodeSnapshotEntry,
  encodeSnapshotFooter,
  encodeSnapshotHeader,
  readFrame,
} from './record-codec.js';

/**
 * The durable journal: a directory of log segments and snapshots.
 *
 *   LOCK                      owner pid (see dir-lock.ts)
 *   wal-<first revision>.log  append-only framed records, one per revision, contiguous across segments
 *   snap-<revision>.snap      the full state at that revision (written to .tmp, fsynced, renamed)
 *
 * A batch is acknowledged only after write + fdatasync of the active segment, and a new segment only after
 * the directory is fsynced too, so an acknowledged record survives power loss. On open the newest valid
 * snapshot is loaded and the log after it replayed up to the first torn or corrupt frame; the segment is
 * truncated there (later segments are renamed aside), so new appends extend a valid prefix.
 */

export interface FileJournalOptions {
  dir: string;
  /** Start a new segment once the active one reaches this size. */
  segmentBytes: number;
  /** Write a snapshot once this much log has been appended since the last one. */
  snapshotEveryBytes: number;
  /** Snapshots kept; more than one lets open fall back if the newest is damaged. */
  snapshotsToKeep: number;
  logger: StoreLogger | undefined;
}

/** What open found and repaired, for the operator's log. */
export interface RecoveryReport {
  snapshotRevision: number | undefined;
  replayedRecords: number;
  /** The newest revision after replay (1 for an empty store). */
  revision: number;
  /** Where replay stopped early, if it did. */
  truncated?: { file: string; offset: number; discardedBytes: number; reason: string };
  /** Files renamed aside (damaged snapshots, segments after a cut), kept for inspection. */
  discardedFiles: string[];
}

export interface ReplayVisitor {
  /** The snapshot state, sorted by key; called at most once, before any record. */
  onSnapshot(revision: number, kvs: KeyValue[]): void;
  /** Each log record after the snapshot, in revision order. */
  onRecord(record: LogRecord): void;
}

interface Segment {
  first: number;
  file: string;
}

const SEGMENT_RE = /^wal-([0-9a-f]{16})\.log$/;
const SNAPSHOT_RE = /^snap-([0-9a-f]{16})\.snap$/;
const hex16 = (n: number): string => n.toString(16).padStart(16, '0');
const segmentName = (first: number): string => `wal-${hex16(first)}.log`;
const snapshotName = (revision: number): string => `snap-${hex16(revision)}.snap`;

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

/** Parses a snapshot file; undefined when any frame is damaged or the entries are inconsistent. */
function parseSnapshot(buf: Buffer, expectedRevision: number): KeyValue[] | undefined {
  const first = readFrame(buf, 0);
  if (first.status !== 'ok') return undefined;
  const header = decodeSnapshotHeader(buf, first.payloadStart, first.payloadEnd);
  if (!header || header.revision !== expectedRevision) return undefined;
  const kvs: KeyValue[] = [];
  let offset = first.next;
  let previousKey: string | undefined;
  for (;;) {
    const frame = readFrame(buf, offset);
    if (frame.status !== 'ok') return undefined;
    offset = frame.next;
    if (kvs.length === header.count) {
      const count = decodeSnapshotFooter(buf, frame.payloadStart, frame.payloadEnd);
      return count === header.count && offset === buf.length ? kvs : undefined;
    }
    const kv = decodeSnapshotEntry(buf, frame.payloadStart, frame.payloadEnd);
    if (!kv || (previousKey !== undefined && kv.key <= previousKey) || kv.modRevision > header.revision) {
      return undefined;
    }
    previousKey = kv.key;
    kvs.push(kv);
  }
}

/** The record at `offset`, if it is intact and carries the `expected` revision. */
function readLogRecordAt(
  buf: Buffer,
  offset: number,
  expected: number,
): { status: 'ok'; record: LogRecord; next: number } | { status: 'stop'; reason: string } {
  const frame = readFrame(buf, offset);
  if (frame.status === 'torn') return { status: 'stop', reason: 'torn record' };
  if (frame.status === 'corrupt') return { status: 'stop', reason: frame.reason };
  const record = decodeLogRecord(buf, frame.payloadStart, frame.payloadEnd);
  if (!record) return { status: 'stop', reason: 'malformed record' };
  if (record.revision !== expected) {
    return { status: 'stop', reason: `revision ${record.revision} where ${expected} was expected` };
  }
  return { status: 'ok', record, next: frame.next };
}

export class FileJournal implements Journal {
  readonly persistent = true;
  #opts: FileJournalOptions;
  #lock: DirLock;
  /** Oldest first; the last one is active. */
  #segments: Segment[];
  #active: FileHandle;
  #activeSize: number;
  #snapshots: number[];
  #bytesSinceSnapshot = 0;
  #rotateRequested = false;
  #closed = false;

  private constructor(init: {
    opts: FileJournalOptions;
    lock: DirLock;
    segments: Segment[];
    active: FileHandle;
    activeSize: number;
    snapshots: number[];
  }) {
    this.#opts = init.opts;
    this.#lock = init.lock;
    this.#segments = init.segments;
    this.#active = init.active;
    this.#activeSize = init.activeSize;
    this.#snapshots = init.snapshots;
  }

  static async open(
    opts: FileJournalOptions,
    visitor: ReplayVisitor,
  ): Promise<{ journal: FileJournal; report: RecoveryReport }> {
    const { dir } = opts;
    await mkdir(dir, { recursive: true });
    const lock = await lockDirectory(dir);
    try {
      return await FileJournal.#recover(opts, lock, visitor);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  static async #recover(
    opts: FileJournalOptions,
    lock: DirLock,
    visitor: ReplayVisitor,
  ): Promise<{ journal: FileJournal; report: RecoveryReport }> {
    const { dir } = opts;
    const names = await readdir(dir);
    const discarded: string[] = [];
    const discard = async (name: string, suffix: string): Promise<void> => {
      await rename(path.join(dir, name), path.join(dir, `${name}.${suffix}`));
      discarded.push(`${name}.${suffix}`);
    };
    const segments: Segment[] = [];
    const snapshotRevisions: number[] = [];
    for (const name of names) {
      const seg = SEGMENT_RE.exec(name);
      if (seg) segments.push({ first: parseInt(seg[1]!, 16), file: path.join(dir, name) });
      const snap = SNAPSHOT_RE.exec(name);
      if (snap) snapshotRevisions.push(parseInt(snap[1]!, 16));
      // A snapshot that never got renamed into place.
      if (name.endsWith('.snap.tmp')) await rm(path.join(dir, name), { force: true });
    }
    segments.sort((a, b) => a.first - b.first);
    snapshotRevisions.sort((a, b) => b - a);

    // Newest valid snapshot wins; damaged newer ones are set aside so they are not retried every open.
    let snapshotRevision: number | undefined;
    const keptSnapshots: number[] = [];
    for (const revision of snapshotRevisions) {
      if (snapshotRevision !== undefined) {
        keptSnapshots.unshift(revision);
        continue;
      }
      const kvs = parseSnapshot(await readFile(path.join(dir, snapshotName(revision))), revision);
      if (kvs) {
        snapshotRevision = revision;
        keptSnapshots.unshift(revision);
        visitor.onSnapshot(revision, kvs);
      } else {
        await discard(snapshotName(revision), 'corrupt');
      }
    }
    const base = snapshotRevision ?? 1;

    // Segments wholly covered by the snapshot are not replayed, but stay: an older kept snapshot may need
    // them as a fallback. The next snapshot's prune removes them.
    let startIndex = 0;
    for (let i = 0; i < segments.length; i++) if (segments[i]!.first <= base + 1) startIndex = i;
    const covered = segments.slice(0, startIndex);
    const live = segments.slice(startIndex);

    // Replay must begin right after the snapshot; a first segment starting later is a gap, caught below.
    let expected = live[0] && live[0].first <= base + 1 ? live[0].first : base + 1;
    let replayed = 0;
    let truncated: RecoveryReport['truncated'];
    /** Index in `live` of the segment replay stopped in, and the valid length there. */
    let stopIndex = live.length - 1;
    let stopOffset = -1;
    for (let i = 0; i < live.length && stopOffset < 0; i++) {
      const seg = live[i]!;
      if (seg.first !== expected) {
        // A missing segment: nothing after the gap can be trusted to follow on.
        stopIndex = i;
        stopOffset = 0;
        truncated = { file: path.basename(seg.file), offset: 0, discardedBytes: 0, reason: 'revision gap' };
        break;
      }
      const buf = await readFile(seg.file);
      let offset = 0;
      while (offset < buf.length) {
        const read = readLogRecordAt(buf, offset, expected);
        if (read.status !== 'ok') {
          truncated = {
            file: path.basename(seg.file),
            offset,
            discardedBytes: buf.length - offset,
            reason: read.reason,
          };
          stopIndex = i;
          stopOffset = offset;
          break;
        }
        const { record } = read;
        if (record.revision > base) {
          visitor.onRecord(record);
          replayed++;
        }
        expected++;
        offset = read.next;
      }
      if (stopOffset < 0 && i === live.length - 1) stopOffset = buf.length;
    }

    // Set aside everything after the cut. The segment holding the cut is kept (truncated) when new
    // appends can follow on in it, that is when it ends exactly where the next revision belongs.
    const next = Math.max(expected, base + 1);
    for (const seg of live.slice(stopIndex + 1)) await discard(path.basename(seg.file), 'discarded');
    const kept = [...covered, ...live.slice(0, stopIndex + 1)];
    let activeSeg = kept[kept.length - 1];
    let active: FileHandle | undefined;
    let activeSize = 0;
    const reusable = activeSeg && expected === next && (stopOffset > 0 || activeSeg.first === next);
    if (activeSeg && reusable) {
      active = await open(activeSeg.file, 'r+');
      if ((await active.stat()).size !== stopOffset) {
        await active.truncate(stopOffset);
        await active.datasync();
      }
      activeSize = stopOffset;
    } else if (activeSeg) {
      kept.pop();
      await discard(path.basename(activeSeg.file), 'discarded');
      activeSeg = undefined;
    }
    if (!active) {
      activeSeg = { first: next, file: path.join(dir, segmentName(next)) };
      active = await open(activeSeg.file, 'w');
      kept.push(activeSeg);
    }
    // The renames above and a new segment's name must be durable before anything is appended: a rename
    // undone by power loss would bring back a segment that might look like it continues the new log.
    await fsyncDir(dir);
    if (truncated) {
      opts.logger?.warn({ dir, ...truncated }, 'storage log replay stopped early; tail discarded');
    }
    const journal = new FileJournal({
      opts,
      lock,
      segments: kept,
      active,
      activeSize,
      snapshots: keptSnapshots,
    });
    return {
      journal,
      report: {
        snapshotRevision,
        replayedRecords: replayed,
        revision: next - 1,
        ...(truncated ? { truncated } : {}),
        discardedFiles: discarded,
      },
    };
  }

  async append(records: readonly Buffer[], firstRevision: number): Promise<void> {
    if (this.#closed) throw new Error('journal is closed');
    if ((this.#rotateRequested || this.#activeSize >= this.#opts.segmentBytes) && this.#activeSize > 0) {
      await this.#rotate(firstRevision);
    }
    const buf = records.length === 1 ? records[0]! : Buffer.concat(records);
    await writeAll(this.#active, buf, this.#activeSize);
    await this.#active.datasync();
    this.#activeSize += buf.length;
    this.#bytesSinceSnapshot += buf.length;
  }

  async #rotate(firstRevision: number): Promise<void> {
    const seg = { first: firstRevision, file: path.join(this.#opts.dir, segmentName(firstRevision)) };
    const fh = await open(seg.file, 'wx');
    // The new name must be durable before any record in it is acknowledged.
    await fsyncDir(this.#opts.dir);
    const old = this.#active;
    this.#active = fh;
    this.#activeSize = 0;
    this.#segments.push(seg);
    this.#rotateRequested = false;
    await old.close();
  }

  snapshotDue(compactedRevision: number): boolean {
    const newest = this.#snapshots[this.#snapshots.length - 1] ?? 1;
    return this.#bytesSinceSnapshot >= this.#opts.snapshotEveryBytes && compactedRevision > newest;
  }

  async writeSnapshot(revision: number, kvs: readonly KeyValue[]): Promise<void> {
    const newest = this.#snapshots[this.#snapshots.length - 1];
    if (newest !== undefined && revision <= newest) return;
    const appendedBefore = this.#bytesSinceSnapshot;
    const final = path.join(this.#opts.dir, snapshotName(revision));
    const tmp = `${final}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      let chunk: Buffer[] = [encodeSnapshotHeader({ revision, count: kvs.length })];
      let chunkBytes = 0;
      let position = 0;
      const flush = async (): Promise<void> => {
        const buf = Buffer.concat(chunk);
        await writeAll(fh, buf, position);
        position += buf.length;
        chunk = [];
        chunkBytes = 0;
      };
      for (const kv of kvs) {
        const entry = encodeSnapshotEntry(kv);
        chunk.push(entry);
        chunkBytes += entry.length;
        // Awaiting each megabyte also yields the event loop to writers while a large snapshot is written.
        if (chunkBytes >= 1 << 20) await flush();
      }
      chunk.push(encodeSnapshotFooter(kvs.length));
      await flush();
      await fh.sync();
    } catch (err) {
      await fh.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    await rename(tmp, final);
    await fsyncDir(this.#opts.dir);
    this.#snapshots.push(revision);
    this.#bytesSinceSnapshot = Math.max(0, this.#bytesSinceSnapshot - appendedBefore);
    // Start a fresh segment so the current one can be dropped once a later snapshot passes it.
    this.#rotateRequested = true;
    await this.#prune();
  }

  /** Drops snapshots beyond the keep count and segments no kept snapshot needs. */
  async #prune(): Promise<void> {
    const doomedSnapshots = this.#snapshots.splice(
      0,
      Math.max(0, this.#snapshots.length - this.#opts.snapshotsToKeep),
    );
    const oldest = this.#snapshots[0];
    const doomedSegments: Segment[] = [];
    if (oldest !== undefined) {
      // A sealed segment ends just before its successor begins; the active (last) one is never dropped.
      while (this.#segments.length > 1 && this.#segments[1]!.first - 1 <= oldest) {
        doomedSegments.push(this.#segments.shift()!);
      }
    }
    for (const revision of doomedSnapshots)
      await rm(path.join(this.#opts.dir, snapshotName(revision)), { force: true });
    for (const seg of doomedSegments) await rm(seg.file, { force: true });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#active.close();
    } finally {
      await this.#lock.release();
    }
  }
}
