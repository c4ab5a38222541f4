/**
 * Downloading to a file: bytes go to `<out>.part` (with `<out>.part.json` naming the key,
 * version and content hash), every chunk is verified against the manifest's chunk list (so the
 * whole file is verified without hashing it a second time), the size is checked, and only then
 * is it fsynced and renamed to `<out>`. With resume, the verified prefix of an
 * earlier `.part` of the same version is kept and the download continues after it.
 */
import * as fs from 'node:fs';
import { sha256Hex } from '../storage/chunker';
import { ChunkCorruptError } from '../storage/storage.errors';
import { FileManifest } from '../storage/storage.types';
import { NodeClient } from './node-client';

interface PartInfo {
  key: string;
  version: string;
  contentHash: string;
}

export interface DownloadResult {
  resumedFromChunk: number;
}

export async function downloadToFile(
  client: NodeClient,
  manifest: FileManifest,
  out: string,
  resume: boolean,
  onProgress?: (bytes: number) => void,
): Promise<DownloadResult> {
  const partial = `${out}.part`;
  const sidecar = `${partial}.json`;
  const from = resume ? verifiedPrefix(manifest, partial, sidecar) : 0;
  if (from === 0) {
    fs.writeFileSync(partial, '');
    fs.writeFileSync(sidecar, JSON.stringify({ key: manifest.key, version: manifest.version, contentHash: manifest.contentHash } satisfies PartInfo));
  } else {
    fs.truncateSync(partial, from * manifest.chunkSize);
  }
  const fd = fs.openSync(partial, 'a');
  try {
    await client.get(
      manifest,
      (data) => writeAll(fd, data),
      from,
      onProgress,
    );
    if (fs.fstatSync(fd).size !== manifest.size) throw new ChunkCorruptError(manifest.contentHash, 'the downloaded file (size differs)');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(partial, out);
  fs.rmSync(sidecar, { force: true });
  return { resumedFromChunk: from };
}

/** How many leading chunks of an earlier `.part` are intact and of this very version. */
function verifiedPrefix(manifest: FileManifest, partial: string, sidecar: string): number {
  let info: PartInfo;
  try {
    info = JSON.parse(fs.readFileSync(sidecar, 'utf8')) as PartInfo;
    if (info.key !== manifest.key || info.version !== manifest.version || info.contentHash !== manifest.contentHash) return 0;
  } catch {
    return 0;
  }
  let fd: number;
  try {
    fd = fs.openSync(partial, 'r');
  } catch {
    return 0;
  }
  try {
    const buf = Buffer.alloc(manifest.chunkSize);
    let n = 0;
    for (; n < manifest.chunks.length; n++) {
      const expected = n === manifest.chunks.length - 1 ? manifest.size - n * manifest.chunkSize : manifest.chunkSize;
      const got = fs.readSync(fd, buf, 0, expected, n * manifest.chunkSize);
      if (got !== expected || sha256Hex(buf.subarray(0, got)) !== manifest.chunks[n]) break;
    }
    return n;
  } finally {
    fs.closeSync(fd);
  }
}

function writeAll(fd: number, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => fs.write(fd, data, 0, data.length, null, (err) => (err ? reject(err) : resolve())));
}
