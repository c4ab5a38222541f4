/**
 * Content-addressed chunk files: `<blobs>/<first two hex digits>/<sha256>`.
 *
 * A write goes to `<blobs>/tmp/<random>`, is fsynced and renamed to its hash, so a crash leaves
 * either the whole chunk or nothing under its name. The rename is made durable by fsyncing the
 * folder: at once by default, or, for the chunks of a store, by `syncFolders` before their
 * manifest is saved (once per folder per file instead of once per chunk). Every read
 * re-hashes; a mismatch moves the file to `<blobs>/corrupt/` and raises ChunkCorruptError, so
 * a damaged chunk is never served. Names are validated before any path is built.
 */
import * as fsCallbacks from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { sha256Hex } from './chunker';
import { ChunkTally, ChunkTotals } from './chunk-tally';
import { FRAME_SLAB_BYTES, frameBuffer } from '../transport/codec/frame-buffers';
import { ChunkCorruptError, ChunkNotFoundError, DiskFullError, InvalidChunkHashError } from './storage.errors';

const HASH = /^[0-9a-f]{64}$/;

// Chunk files are written and read through plain file descriptors: FileHandle's open, close and
// writeFile (in 512 KiB pieces) cost about twice the CPU per chunk for the same system calls.
const openFd = promisify(fsCallbacks.open);
const writeFd = promisify(fsCallbacks.write);
const fsyncFd = promisify(fsCallbacks.fsync);
const closeFd = promisify(fsCallbacks.close);
const readFd = promisify(fsCallbacks.read);

/**
 * A temp chunk file is opened with O_DSYNC: its one write returns once the bytes (and the size
 * that makes them readable) are on disk, which is what the fsync after it gave, one system
 * call and one round trip through libuv's pool fewer per chunk.
 */
const TMP_FLAGS = fsCallbacks.constants.O_WRONLY | fsCallbacks.constants.O_CREAT | fsCallbacks.constants.O_TRUNC | (fsCallbacks.constants.O_DSYNC ?? 0);
const DSYNC_WRITES = fsCallbacks.constants.O_DSYNC !== undefined;

/**
 * Whether a chunk file is there, and its size. A stat of a name is answered from the kernel's
 * cache of directory entries in a microsecond or two, so it is made on the spot: through
 * libuv's pool and a promise it cost about 17 µs of this process's CPU, most of it building
 * the Error of a name that is missing, which is the usual answer while a node catches up.
 */
function statNow(file: string): fsCallbacks.Stats | undefined {
  return fsCallbacks.statSync(file, { throwIfNoEntry: false });
}

export interface PutOptions {
  /** The caller has just hashed these very bytes itself: skip the check. */
  alreadyVerified?: boolean;
  /** Leave the folder's fsync to a later `syncFolders` (a store's chunks, before its commit). */
  deferFolderSync?: boolean;
  /**
   * The caller has just found no copy here (a catch-up's chunks): skip the look for one. A copy
   * written meanwhile is replaced, atomically, by the same bytes (and counted twice by the
   * gauges until its folder's next count).
   */
  knownMissing?: boolean;
}

export class ChunkStore {
  private readonly tmpDir: string;
  private readonly corruptDir: string;
  /** Prefix folders known to exist (made once, not once per chunk). */
  private readonly madeDirs = new Set<string>();
  /** Temp files are named after this process and a count (init removed any left by another). */
  private readonly tmpPrefix = `${process.pid}-${Date.now().toString(36)}-`;
  private tmpCount = 0;
  /** What the gauges show, kept by the writes and deletes below (chunk-tally.ts). */
  private readonly tally: ChunkTally;

  constructor(readonly blobsDir: string) {
    this.tmpDir = path.join(blobsDir, 'tmp');
    this.corruptDir = path.join(blobsDir, 'corrupt');
    this.tally = new ChunkTally((prefix) => this.countFolder(prefix));
  }

  /** Creates the folders and removes temp files a crash left behind. */
  async init(): Promise<void> {
    await fs.mkdir(this.tmpDir, { recursive: true });
    await fs.mkdir(this.corruptDir, { recursive: true });
    for (const name of await fs.readdir(this.tmpDir)) await fs.rm(path.join(this.tmpDir, name), { force: true });
  }

  pathOf(hash: string): string {
    if (!HASH.test(hash)) throw new InvalidChunkHashError(hash);
    return path.join(this.blobsDir, hash.slice(0, 2), hash);
  }

  /**
   * Stores a chunk after checking it; false when it was already here. `alreadyVerified` skips
   * the hash check for a caller that has just hashed these very bytes itself. `deferFolderSync`
   * leaves the folder's fsync to a `syncFolders` call that must come before anything relies on
   * the chunk surviving a power loss (LocalReplica.commitManifest makes it).
   */
  async put(hash: string, data: Buffer, options: PutOptions = {}): Promise<boolean> {
    const target = this.pathOf(hash);
    if (!options.alreadyVerified && sha256Hex(data) !== hash) throw new ChunkCorruptError(hash, 'chunk to store');
    // One stat tells both whether the chunk can be reused and what the write adds to the tally.
    // A known-missing chunk (a catch-up's) is not looked for: it counts as a new file, and a
    // copy written meanwhile is put right at its folder's next count (chunk-tally.ts).
    const existing = options.knownMissing ? undefined : statNow(target);
    if (existing?.size === data.length) {
      await refreshAge(target);
      return false;
    }
    const tmp = path.join(this.tmpDir, `${this.tmpPrefix}${(this.tmpCount++).toString(36)}`);
    const dir = path.dirname(target);
    try {
      await writeDurably(tmp, data);
      if (!this.madeDirs.has(dir)) await this.makeDir(dir);
      await fs.rename(tmp, target).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        await this.makeDir(dir); // the folder was removed behind our back
        await fs.rename(tmp, target);
      });
      this.tally.added(hash, data.length - (existing?.size ?? 0), existing ? 0 : 1);
    } catch (err) {
      // Nothing of a failed write stays behind (a full disk must not fill up with temp files).
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') throw new DiskFullError(`chunk ${hash.slice(0, 16)}… (${data.length} bytes) does not fit in ${this.blobsDir}`);
      throw err;
    }
    if (!options.deferFolderSync) await syncDir(dir);
    return true;
  }

  /**
   * Makes the names of these chunks durable: fsyncs each folder they are in, once. Folders are
   * synced whether or not this process wrote to them: a chunk left by a process that crashed
   * is visible but may not be on disk yet.
   */
  async syncFolders(hashes: Iterable<string>): Promise<void> {
    const dirs = new Set<string>();
    for (const hash of hashes) dirs.add(path.dirname(this.pathOf(hash)));
    await Promise.all([...dirs].map((dir) => syncDir(dir)));
  }

  private async makeDir(dir: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  /**
   * The chunk's bytes, verified unless `verify: false` (for a reader that checks every chunk
   * itself and asks again with verification when one is wrong, so a damaged file is still
   * moved aside). A chunk of 256 KiB or more is read into a recycled frame
   * buffer: a caller that sends it on and never touches it again can hand it back with
   * `releaseWhenSent` (transport/codec/frame-buffers.ts); otherwise the garbage collector takes it.
   */
  async get(hash: string, options: { verify?: boolean } = {}): Promise<Buffer> {
    const file = this.pathOf(hash);
    let data: Buffer;
    try {
      data = await readWhole(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ChunkNotFoundError(hash);
      throw err;
    }
    if (options.verify !== false && sha256Hex(data) !== hash) {
      await fs.rename(file, path.join(this.corruptDir, `${hash}.${Date.now()}`)).then(
        () => this.tally.removed(hash, data.length),
        () => undefined,
      );
      throw new ChunkCorruptError(hash, 'stored chunk');
    }
    return data;
  }

  /** Whether the chunk file is there (a stat made on the spot: see statNow). */
  has(hash: string): boolean {
    return statNow(this.pathOf(hash)) !== undefined;
  }

  async delete(hash: string): Promise<void> {
    const file = this.pathOf(hash);
    const held = statNow(file);
    await fs.rm(file, { force: true });
    if (held) this.tally.removed(hash, held.size);
  }

  async *list(): AsyncGenerator<string> {
    for (const prefix of await fs.readdir(this.blobsDir)) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      for (const name of await fs.readdir(path.join(this.blobsDir, prefix))) if (HASH.test(name)) yield name;
    }
  }

  /** The chunks in one prefix folder (`00`..`ff`); empty when the folder does not exist. */
  async listPrefix(prefix: string): Promise<string[]> {
    if (!/^[0-9a-f]{2}$/.test(prefix)) return [];
    const names = await fs.readdir(path.join(this.blobsDir, prefix)).catch(() => [] as string[]);
    return names.filter((n) => HASH.test(n));
  }

  /** When the chunk file was written (ms since the epoch), or undefined when absent. */
  async writtenAt(hash: string): Promise<number | undefined> {
    const st = await fs.stat(this.pathOf(hash)).catch(() => undefined);
    return st?.mtimeMs;
  }

  /** How many chunk files are here and their bytes (for the gauges; see chunk-tally.ts). */
  stats(): Promise<ChunkTotals> {
    return this.tally.totals();
  }

  /**
   * One prefix folder's chunk files and bytes, on the spot: a listing and a stat per file from
   * the kernel's caches (see statNow), which the tally's recount of one folder per look keeps small.
   */
  private countFolder(prefix: number): ChunkTotals {
    const dir = path.join(this.blobsDir, prefix.toString(16).padStart(2, '0'));
    const totals = { chunks: 0, bytes: 0 };
    let names: string[];
    try {
      names = fsCallbacks.readdirSync(dir);
    } catch {
      return totals; // not made yet
    }
    for (const name of names) {
      const st = HASH.test(name) ? statNow(path.join(dir, name)) : undefined;
      if (!st) continue;
      totals.chunks += 1;
      totals.bytes += st.size;
    }
    return totals;
  }
}

/**
 * Reads a chunk file into one buffer of its size, a recycled one when it fits (serving a get
 * used to allocate 1 MiB per chunk, and dozens of dead ones could pile up before a garbage
 * collection: a holder's resident memory went past 150 MiB in one benchmark run).
 */
/**
 * A chunk file of at most this size is read on the spot, as statNow stats: open, fstat, read
 * and close through libuv's pool are four round trips and four promises, which cost a 4 KiB GET
 * more CPU than the rest of its read; from the page cache the same calls take a few
 * microseconds each. A larger file (or one not in the cache) is read through the pool, where a
 * slow disk stalls a pool thread rather than every connection of the node.
 */
const READ_NOW_BYTES = 64 * 1024;

/**
 * The whole file. It is opened and sized on the spot (from the kernel's caches, like statNow);
 * a small one is read on the spot too, a larger one through the pool on the same descriptor.
 */
async function readWhole(file: string): Promise<Buffer> {
  const fd = fsCallbacks.openSync(file, 'r');
  let size: number;
  try {
    size = fsCallbacks.fstatSync(fd).size;
  } catch (err) {
    fsCallbacks.closeSync(fd);
    throw err;
  }
  return size <= READ_NOW_BYTES ? readNow(fd, size) : readThroughPool(fd, size);
}

/** Reads `size` bytes of an open file on the spot and closes it. */
function readNow(fd: number, size: number): Buffer {
  try {
    const buffer = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const n = fsCallbacks.readSync(fd, buffer, filled, size - filled, filled);
      if (n === 0) break; // shrank while we read: the hash check will say so
      filled += n;
    }
    return buffer.subarray(0, filled);
  } finally {
    fsCallbacks.closeSync(fd);
  }
}

/** Reads `size` bytes of an open file through libuv's pool and closes it. */
async function readThroughPool(fd: number, size: number): Promise<Buffer> {
  try {
    const buffer = size <= FRAME_SLAB_BYTES ? frameBuffer(size) : Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await readFd(fd, buffer, filled, size - filled, filled);
      if (bytesRead === 0) break; // shrank while we read: the hash check will say so
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await closeFd(fd);
  }
}

/**
 * A chunk already here whole is reused: its age is refreshed, so the orphan sweep does not
 * take a chunk a store has just reused. (A file of the wrong size, damaged, is not reused: the
 * caller writes the bytes again over it.)
 */
async function refreshAge(file: string): Promise<void> {
  const now = new Date();
  await fs.utimes(file, now, now).catch(() => undefined);
}

/**
 * Writes a new temp file whole and durably. Its close is made on the spot: closing a file
 * whose bytes are already on disk waits for nothing.
 */
async function writeDurably(file: string, data: Buffer): Promise<void> {
  const fd = await openFd(file, TMP_FLAGS, 0o666);
  try {
    for (let done = 0; done < data.length; ) done += (await writeFd(fd, data, done, data.length - done, null)).bytesWritten;
    if (!DSYNC_WRITES || data.length === 0) await fsyncFd(fd);
  } finally {
    fsCallbacks.closeSync(fd);
  }
}

/**
 * Makes the names in a folder durable. Opening and closing a folder read-only touch no data
 * (a lookup and a release), so they are made on the spot; only the fsync waits on the disk.
 */
async function syncDir(dir: string): Promise<void> {
  const fd = fsCallbacks.openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    fsCallbacks.closeSync(fd);
  }
}
