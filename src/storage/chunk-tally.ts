/**
 * How many chunk files a store holds and their bytes (the p2p_chunks and p2p_stored_bytes
 * gauges), kept per prefix folder. Walking the store with a stat per file on every scrape cost
 * a node holding 30,000 chunks 1.7 s of CPU per scrape, and grows with the store; so each
 * folder is counted once, then kept by the store's own writes and deletes, and one folder is
 * counted again per look. Anything the store did not do itself (a file removed by hand, a
 * write that raced the count of its folder) is put right when its folder's turn comes round,
 * within 256 looks.
 */
export interface ChunkTotals {
  chunks: number;
  bytes: number;
}

const FOLDERS = 256;

export class ChunkTally {
  /** Per prefix folder (0..255): undefined until the folder is first counted. */
  private readonly folders: Array<ChunkTotals | undefined> = new Array(FOLDERS).fill(undefined);
  /** The folder the next look counts again. */
  private next = 0;
  private counting: Promise<void> | undefined;

  /**
   * `countFolder` counts one prefix folder (0..255) from the disk, in one go. A write or delete
   * of the store whose rename or removal lands between that and its own count is counted
   * twice or not at all, until the folder's next count.
   */
  constructor(private readonly countFolder: (prefix: number) => ChunkTotals) {}

  /** A chunk file appeared (`bytes` long) or changed size (`bytes` the difference). */
  added(hash: string, bytes: number, files = 1): void {
    const f = this.folders[folderOf(hash)];
    if (!f) return; // counted from the disk when its turn comes
    f.chunks += files;
    f.bytes += bytes;
  }

  removed(hash: string, bytes: number): void {
    this.added(hash, -bytes, -1);
  }

  /**
   * The totals. The first look counts every folder, giving way to other work between two;
   * each later one counts one folder again.
   */
  async totals(): Promise<ChunkTotals> {
    this.counting ??= this.countUncounted().finally(() => (this.counting = undefined));
    await this.counting;
    this.folders[this.next] = this.countFolder(this.next);
    this.next = (this.next + 1) % FOLDERS;
    let chunks = 0;
    let bytes = 0;
    for (const f of this.folders) {
      chunks += f?.chunks ?? 0;
      bytes += f?.bytes ?? 0;
    }
    return { chunks, bytes };
  }

  private async countUncounted(): Promise<void> {
    for (let i = 0; i < FOLDERS; i++) {
      if (this.folders[i]) continue;
      this.folders[i] = this.countFolder(i);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

function folderOf(hash: string): number {
  return parseInt(hash.slice(0, 2), 16);
}
