import { ExitCode, P2pError } from '../common/errors';

/** Bytes whose SHA-256 is not the hash they claim. Never served, never stored. */
export class ChunkCorruptError extends P2pError {
  constructor(readonly hash: string, where = 'chunk') {
    super(`${where} does not match its hash ${hash.slice(0, 16)}…`, 'CHUNK_CORRUPT', ExitCode.integrity);
  }
}

export class ChunkNotFoundError extends P2pError {
  constructor(readonly hash: string) {
    super(`chunk ${hash.slice(0, 16)}… is not stored here`, 'CHUNK_NOT_FOUND', ExitCode.notFound);
  }
}

/** A write ran out of disk space (ENOSPC, or a quota): nothing of it is kept. */
export class DiskFullError extends P2pError {
  constructor(detail: string) {
    super(`out of disk space: ${detail}`, 'DISK_FULL', ExitCode.diskFull);
  }
}

/** A chunk name that is not 64 lowercase hex digits: refused before any path is built. */
export class InvalidChunkHashError extends P2pError {
  constructor(hash: string) {
    super(`"${String(hash).slice(0, 80)}" is not a SHA-256 hex digest`, 'INVALID_CHUNK_HASH', ExitCode.usage);
  }
}

export class InvalidKeyError extends P2pError {
  constructor(reason: string) {
    super(`invalid key: ${reason}`, 'INVALID_KEY', ExitCode.usage);
  }
}

export class FileNotFoundError extends P2pError {
  constructor(readonly key: string) {
    super(`file "${key}" not found`, 'FILE_NOT_FOUND', ExitCode.notFound);
  }
}

export class QuorumNotReachedError extends P2pError {
  constructor(readonly key: string, readonly confirmed: number, readonly required: number) {
    super(`write quorum not reached for "${key}": ${confirmed} of ${required} required holders confirmed; nothing was stored`, 'QUORUM_NOT_REACHED', ExitCode.quorum);
  }
}

/**
 * Too few placed holders took a delete. `applied`: the tombstone reached some nodes and is not
 * rolled back there (a delete is never undone), so the file may still go; retry the delete.
 */
export class DeleteQuorumNotReachedError extends P2pError {
  constructor(readonly key: string, readonly confirmed: number, readonly required: number, applied: boolean) {
    super(
      `write quorum not reached for the delete of "${key}": ${confirmed} of ${required} required holders confirmed; ${applied ? 'it may still take effect where it arrived, retry it' : 'nothing was deleted'}`,
      'DELETE_QUORUM_NOT_REACHED',
      ExitCode.quorum,
    );
  }
}

export class InvalidVersionError extends P2pError {
  constructor(version: string) {
    super(`"${String(version).slice(0, 80)}" is not a version stamp`, 'INVALID_VERSION', ExitCode.failure);
  }
}

/** Two writers stored the same key at once; the other one's newer version (or delete) won. */
export class SupersededError extends P2pError {
  constructor(readonly key: string, readonly winner: string, deleted: boolean) {
    super(
      `store of "${key}" lost to a concurrent ${deleted ? 'delete' : 'store'} with a newer version (${winner}); this upload was not kept`,
      'SUPERSEDED',
      ExitCode.conflict,
    );
  }
}

/** A version from another node dated further ahead of this node's clock than the tolerated skew. */
export class VersionAheadError extends P2pError {
  constructor(version: string, aheadMs: number, maxMs: number) {
    super(
      `version "${version.slice(0, 80)}" is ${Math.round(aheadMs / 1000)} s ahead of this node's clock (at most ${maxMs / 1000} s is accepted)`,
      'VERSION_AHEAD',
      ExitCode.failure,
    );
  }
}
