import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeFileAtomic } from './atomic-file.js';
import { type Scratch, scratch } from './test-helpers.js';

const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

describe('writeFileAtomic', () => {
  let tmp: Scratch;
  before(async () => {
    tmp = await scratch();
  });
  after(async () => {
    await tmp.dispose();
  });

  it('creates the file owner-only (0600), and a missing directory owner-only (0700)', async () => {
    const file = path.join(tmp.dir, 'new', 'deeper', 'admin.conf');
    await writeFileAtomic(file, 'secret');
    assert.equal(await readFile(file, 'utf8'), 'secret');
    assert.equal(await modeOf(file), 0o600);
    assert.equal(await modeOf(path.dirname(file)), 0o700);
  });

  it('replaces a world-readable file with an owner-only one and leaves no temporary file behind', async () => {
    const file = path.join(tmp.dir, 'replace.conf');
    await writeFile(file, 'old', { mode: 0o644 });
    assert.equal(await modeOf(file), 0o644);
    await writeFileAtomic(file, Buffer.from('new'));
    assert.equal(await readFile(file, 'utf8'), 'new');
    assert.equal(await modeOf(file), 0o600);
    assert.deepEqual(await readdir(tmp.dir), ['new', 'replace.conf']);
  });

  it('sets a requested mode even where the umask would cut it', async () => {
    const file = path.join(tmp.dir, 'shared.crt');
    await writeFileAtomic(file, 'cert', { mode: 0o666 });
    assert.equal(await modeOf(file), 0o666);
  });

  it('leaves the old file in place when aborted', async () => {
    const file = path.join(tmp.dir, 'abort.conf');
    await writeFileAtomic(file, 'kept');
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(writeFileAtomic(file, 'lost', { signal: controller.signal }), {
      name: 'AbortError',
    });
    assert.equal(await readFile(file, 'utf8'), 'kept');
  });

  it('never lets a reader see a mix of two concurrent writes', async () => {
    const file = path.join(tmp.dir, 'race.conf');
    const contents = Array.from({ length: 12 }, (_, i) => String(i).repeat(64 * 1024));
    await Promise.all(contents.map((c) => writeFileAtomic(file, c)));
    assert.ok(contents.includes(await readFile(file, 'utf8')));
    assert.deepEqual(
      (await readdir(tmp.dir)).filter((n) => n.endsWith('.tmp')),
      [],
    );
  });
});
