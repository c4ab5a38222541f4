/**
 * The disk's own ceiling for a catch-up of small files (bench:scale figure 5): files written
 * as ChunkStore writes a chunk (a temporary file opened with O_DSYNC, one write, close, rename
 * into its two-hex-digit prefix folder, CHUNK_WRITES_IN_FLIGHT at once), with no node, no
 * network and no SQLite. A node that lost its disk writes one such file per small file it
 * holds, so N files cannot be caught up faster than N at this rate, whatever the node does.
 * Runs in the calling process, in a folder it makes under `base` and removes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHUNK_WRITES_IN_FLIGHT } from '../src/storage/sync-batch';
import { seededRandom } from '../test/helpers/workload';

const { O_WRONLY, O_CREAT, O_TRUNC, O_DSYNC } = fs.constants;

export interface SmallFileCeiling {
  filesPerSecond: number;
  /** CPU of this process per file (ms), the kernel's part included. */
  cpuMsPerFile: number;
}

export async function smallFileCeiling(base: string, files = 5_000): Promise<SmallFileCeiling> {
  const dir = fs.mkdtempSync(path.join(base, 'disk-ceiling-'));
  const rnd = seededRandom(5);
  const data = Buffer.alloc(4096, 7);
  const folders = Array.from({ length: 256 }, (_, i) => path.join(dir, i.toString(16).padStart(2, '0')));
  try {
    // The prefix folders exist before the clock starts, as in a store that has held anything.
    for (const folder of folders) fs.mkdirSync(folder);
    const started = performance.now();
    const cpu = process.cpuUsage();
    let next = 0;
    await Promise.all(
      Array.from({ length: CHUNK_WRITES_IN_FLIGHT }, async () => {
        for (let i = next++; i < files; i = next++) {
          const tmp = path.join(dir, `tmp-${i}`);
          const fh = await fs.promises.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | (O_DSYNC ?? 0));
          try {
            await fh.write(data, 0, 512 + Math.floor(rnd() * 3584));
          } finally {
            await fh.close();
          }
          await fs.promises.rename(tmp, path.join(folders[i % 256], `f${i}`));
        }
      }),
    );
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    return { filesPerSecond: (files / ms) * 1000, cpuMsPerFile: (used.user + used.system) / 1000 / files };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
