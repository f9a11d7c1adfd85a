import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

export interface WriteFileAtomicOptions {
  /** File mode; owner read/write only (0600) unless set, as kubeadm writes keys and kubeconfigs. */
  mode?: number;
  /** Aborts before the file is put in place; a half-written temporary file is removed. */
  signal?: AbortSignal;
}

/**
 * Writes `data` to a temporary file beside `filePath`, flushes it, then renames it over `filePath`, so a
 * reader sees the old file or the new one, never a torn one, and the file is never readable by others even
 * for a moment (it is created with `mode`, and the mode is set again in case the umask cut it). A missing
 * parent directory is created owner-only (0700).
 */
export async function writeFileAtomic(
  filePath: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o600;
  options.signal?.throwIfAborted();
  const dir = path.dirname(filePath);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temporary = path.join(dir, `.${path.basename(filePath)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', mode);
  try {
    try {
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    options.signal?.throwIfAborted();
    await rename(temporary, filePath);
  } catch (err) {
    await unlink(temporary).catch(() => undefined);
    throw err;
  }
  // Make the rename itself durable; not every filesystem lets a directory be opened for fsync.
  try {
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch {
    // best effort
  }
}
