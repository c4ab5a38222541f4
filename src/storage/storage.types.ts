/** Shapes shared by the storage service, its controller and the CLI client. */
import type { FileManifest } from '../peer-repository/file.repository';

export type { FileManifest };

/** Node-to-node and client-to-node message patterns of the storage module. */
export const StoragePatterns = {
  chunkPut: 'storage.chunk.put',
  chunkGet: 'storage.chunk.get',
  /** The chunks of a store that failed: unpin them and free what nothing uses. */
  chunkRelease: 'storage.chunk.release',
  manifestCommit: 'storage.manifest.commit',
  manifestGet: 'storage.manifest.get',
  /** Reports of many keys at once, as manifestGet gives them (report-batcher.ts). */
  manifestReports: 'storage.manifest.reports',
  /** A store failed: its exact version is refused and removed everywhere (an abort record). */
  manifestAbort: 'storage.manifest.abort',
  /** A store was acknowledged: the version it replaced need not be kept. */
  manifestSettle: 'storage.manifest.settle',
  /** A segment of a held manifest's chunk list (manifest-segments.ts). */
  manifestChunks: 'storage.manifest.chunks',
  /** A later segment of a manifest's chunk list, ahead of its commit. */
  manifestStage: 'storage.manifest.stage',
  tombstoneApply: 'storage.tombstone.apply',
  clientStoreBegin: 'client.store.begin',
  clientStoreChunk: 'client.store.chunk',
  clientStoreCommit: 'client.store.commit',
  clientStoreAbort: 'client.store.abort',
  clientGetManifest: 'client.get.manifest',
  clientGetChunk: 'client.get.chunk',
  /** The holders of a version of a key and their addresses: a client may read chunks from them directly. */
  clientGetSources: 'client.get.sources',
  /** A segment of the chunk list of a manifest fetched with client.get.manifest. */
  clientGetChunks: 'client.get.chunks',
  clientDelete: 'client.delete',
  clientInspect: 'client.inspect',
  verify: 'storage.verify',
} as const;

export interface StoreResult {
  key: string;
  version: string;
  size: number;
  contentHash: string;
  chunks: number;
  /** Node ids placement chose. */
  holders: string[];
  /** Node ids that confirmed a durable copy. */
  confirmed: string[];
  writeQuorum: number;
}

export interface DeleteResult {
  key: string;
  version: string;
}

/** A manifest as another node reports it, with its tombstone if it has one. */
export interface ManifestReport {
  manifest: FileManifest | null;
  tombstone: { key: string; version: string } | null;
  /** Versions of the key whose stores failed (never served, whoever holds one). */
  aborted?: string[];
  /**
   * Present when the holder knows the store of its manifest's version was acknowledged (its
   * coordinator's settle reached it): the holders that store was placed on (quorum-read.ts).
   */
  settledFor?: string[];
}

/** Where a key's copies are (GET /v1/files/:key/replicas). */
export interface ReplicaReport {
  key: string;
  /** The newest live version, or null when no node has one. */
  version: string | null;
  replicas: number;
  nodes: Array<{
    nodeId: string;
    address: string;
    placed: boolean;
    reachable: boolean;
    version: string | null;
    current: boolean;
    error?: string;
  }>;
}

/** What one node found when it re-read its copy of a key. */
export interface CopyCheck {
  /** Version of the manifest it holds, or null. */
  version: string | null;
  tombstone: string | null;
  chunks: number;
  /** Bytes of the file it holds (absent from nodes of earlier versions). */
  size?: number;
  missing: number;
  corrupt: number;
}

/** `p2p inspect`: one key explained node by node. */
export interface InspectReport {
  key: string;
  version: string | null;
  size: number | null;
  chunks: number | null;
  replicas: number;
  writeQuorum: number;
  nodes: Array<{
    nodeId: string;
    address: string;
    status: string;
    placed: boolean;
    state: 'verified' | 'stale' | 'missing' | 'damaged' | 'unreachable' | 'deleted' | 'extra';
    detail: string;
  }>;
  pending: string[];
}
