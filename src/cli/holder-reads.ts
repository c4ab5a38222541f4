/**
 * A get that reads chunks straight from the holders. Through the node the client asked, every
 * chunk crossed two hops (holder -> node -> client) and was decrypted and encrypted again on
 * the node between; read from a holder, it crosses one. The node still answers the manifest and
 * names the holders of that version (client.get.sources); the client dials each as it dials any
 * node (TLS, the node's proof of the API token, the holder's node id checked), asks it for its
 * own copy only (`held`), and verifies every chunk against the manifest as before; so the
 * holder need not hash what it reads (one SHA-256 pass per byte less), and a chunk that arrives
 * wrong is asked for again with the holder verifying, which moves its damaged file aside. A
 * holder that cannot be reached soon, refuses, or fails is left out; a chunk no holder gave
 * goes through the node, as every chunk did before, so a client that can reach only its node
 * still reads.
 */
import { P2pError } from '../common/errors';
import type { PeerConnectionPool } from '../transport/connection-pool';
import { sha256Hex } from '../storage/chunker';
import { FileManifest, StoragePatterns } from '../storage/storage.types';

/** How long a holder may take to connect before the get goes on without it. */
const CONNECT_DEADLINE_MS = 2000;
/** A holder that answers these for one chunk may still have the others. */
const PER_CHUNK_ERRORS = new Set(['CHUNK_NOT_FOUND', 'CHUNK_CORRUPT']);

interface Holder {
  nodeId: string;
  address: string;
}

export class HolderReads {
  private constructor(
    private readonly pool: PeerConnectionPool,
    private readonly holders: Holder[],
    private readonly timeoutMs: number,
  ) {}

  /**
   * The holders of this manifest's version that this client can reach, connected. `ask` puts a
   * request to the client's node. None (an older node, no holder reachable) means every chunk
   * goes through the node.
   */
  static async open(pool: PeerConnectionPool, manifest: FileManifest, ask: <T>(pattern: string, data: object) => Promise<T>, timeoutMs: number): Promise<HolderReads> {
    const reply = await ask<{ holders?: unknown }>(StoragePatterns.clientGetSources, { key: manifest.key, version: manifest.version }).catch(() => undefined);
    const listed = Array.isArray(reply?.holders) ? reply.holders.filter(isHolder).slice(0, 64) : [];
    const reached = await Promise.all(listed.map((h) => reach(pool, h)));
    return new HolderReads(pool, listed.filter((_, i) => reached[i]), timeoutMs);
  }

  get size(): number {
    return this.holders.length;
  }

  /**
   * Chunk `index` from a holder (a different first one per chunk, so all serve at once),
   * verified against the manifest; undefined when none gave it whole.
   */
  async fetch(manifest: FileManifest, index: number): Promise<Buffer | undefined> {
    const hash = manifest.chunks[index];
    const n = this.holders.length;
    for (let k = 0; k < n && this.holders.length > 0; k++) {
      const holder = this.holders[(index + k) % this.holders.length];
      try {
        // The holder sends its copy without hashing it (this client does); a wrong one is asked
        // for again with the holder verifying, which moves a damaged file aside there.
        const blob = (await this.ask(holder, manifest.key, hash, false)) ?? (await this.ask(holder, manifest.key, hash, true));
        if (blob) return blob;
      } catch (err) {
        if (!(err instanceof P2pError && PER_CHUNK_ERRORS.has(err.code))) this.leaveOut(holder);
      }
    }
    return undefined;
  }

  /** The holder's own copy of the chunk when it matches its hash, else undefined. */
  private async ask(holder: Holder, key: string, hash: string, verify: boolean): Promise<Buffer | undefined> {
    const reply = await this.pool.request<{ blob?: unknown }>(holder.address, StoragePatterns.clientGetChunk, { key, hash, held: true, verify }, this.timeoutMs, holder.nodeId);
    const blob = Buffer.isBuffer(reply?.blob) ? reply.blob : undefined;
    return blob && sha256Hex(blob) === hash ? blob : undefined;
  }

  private leaveOut(holder: Holder): void {
    const at = this.holders.indexOf(holder);
    if (at >= 0) this.holders.splice(at, 1);
  }
}

function isHolder(h: unknown): h is Holder {
  const { nodeId, address } = (h ?? {}) as Record<string, unknown>;
  return typeof nodeId === 'string' && typeof address === 'string' && address.length <= 300;
}

/** Whether `holder` completed a handshake in time and is the node it was named as. */
async function reach(pool: PeerConnectionPool, holder: Holder): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), CONNECT_DEADLINE_MS)));
  const remote = await Promise.race([pool.connect(holder.address).catch(() => undefined), late]);
  clearTimeout(timer);
  if (remote?.nodeId === holder.nodeId) return true;
  // Late, refused, or another node at that address: no connection is left open to it.
  pool.forget(holder.address);
  return false;
}
