/**
 * The REST file API. Keys travel URL-encoded in the path (a "/" in a key is %2F). Bodies
 * stream in and out one chunk at a time; GET answers Content-Length, an ETag (the content's
 * SHA-256) and single byte ranges.
 */
import { Controller, Delete, Get, Param, Put, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FileRepository } from '../peer-repository/file.repository';
import { StorageService } from '../storage/storage.service';
import { QuarantineService } from '../storage/quarantine.service';
import { MetricsService } from '../metrics/metrics.service';
import { ApiTokenGuard } from './api-token.guard';
import { P2pErrorFilter } from './p2p-error.filter';
import { parseRange } from '../common/byte-range';
import { firstEvent } from '../common/wait';

@Controller('v1/files')
@UseGuards(ApiTokenGuard)
@UseFilters(P2pErrorFilter)
export class FilesController {
  constructor(
    private readonly storage: StorageService,
    private readonly files: FileRepository,
    private readonly quarantine: QuarantineService,
    private readonly metrics: MetricsService,
  ) {}

  @Get()
  async list() {
    const files = await this.files.summaries();
    return files.map((f) => ({ key: f.key, size: f.size, contentHash: f.contentHash, version: f.version, chunks: f.chunkCount, createdAt: new Date(f.createdAt).toISOString() }));
  }

  @Put(':key')
  async put(@Param('key') key: string, @Req() req: Request) {
    this.quarantine.assertServing();
    return this.storage.storeStream(key, req, {}, `http:${req.socket.remoteAddress ?? 'unknown'}`);
  }

  @Get(':key/replicas')
  replicas(@Param('key') key: string) {
    return this.storage.replicas(key);
  }

  @Get(':key')
  async get(@Param('key') key: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    this.quarantine.assertServing();
    const manifest = await this.storage.manifest(key);
    const etag = `"${manifest.contentHash}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Accept-Ranges', 'bytes');
    res.setHeader('Content-Type', 'application/octet-stream');
    if (req.method === 'HEAD') {
      // Headers from the manifest alone: a HEAD never reads a chunk.
      res.setHeader('Content-Length', String(manifest.size));
      res.status(200).end();
      return;
    }
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    const range = parseRange(req.headers.range, manifest.size);
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${manifest.size}`);
      res.status(416).end();
      return;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? manifest.size - 1;
    res.status(range ? 206 : 200);
    if (range) res.setHeader('Content-Range', `bytes ${start}-${end}/${manifest.size}`);
    res.setHeader('Content-Length', String(Math.max(0, end - start + 1)));
    const first = Math.floor(start / manifest.chunkSize);
    const last = Math.floor(end / manifest.chunkSize);
    this.metrics.httpDownloads.inc();
    try {
      for (let i = first; i <= last && manifest.size > 0; i++) {
        const data = await this.storage.chunk(manifest.key, manifest.chunks[i]);
        const offset = i * manifest.chunkSize;
        const slice = data.subarray(Math.max(0, start - offset), Math.min(data.length, end - offset + 1));
        if (!res.write(slice)) await drainedOrClosed(res);
        if (res.destroyed || res.writableEnded) return;
      }
      res.end();
    } finally {
      this.metrics.httpDownloads.dec();
    }
  }

  @Delete(':key')
  delete(@Param('key') key: string) {
    this.quarantine.assertServing();
    return this.storage.delete(key);
  }
}

/**
 * Resolves when the response can take more bytes or is gone. Waiting for 'drain' alone hung
 * for ever when the client disconnected meanwhile (no drain ever comes), holding its chunk.
 */
function drainedOrClosed(res: Response): Promise<void> {
  return res.destroyed ? Promise.resolve() : firstEvent(res, ['drain', 'close']);
}
