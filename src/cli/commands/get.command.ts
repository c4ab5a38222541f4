import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'nest-commander';
import { InvalidInputError } from '../../common/errors';
import { DownloadInterruptedError } from '../cli.errors';
import { downloadToFile } from '../download';
import { checkOutPath } from '../output-path';
import { NodeClient } from '../node-client';
import { ClientCommand, ClientOptions } from '../options';
import { printJson } from '../output';
import { startProgress } from '../progress';

interface GetOptions extends ClientOptions {
  out?: string;
  resume?: boolean;
}

@Command({
  name: 'get',
  arguments: '<key>',
  description: 'Fetch a file from the cluster (verified chunk by chunk) to --out, or to standard output',
  argsDescription: { key: 'the key it was stored under' },
})
export class GetCommand extends ClientCommand {
  @Option({ flags: '--out <file>', description: 'write the file here (via <file>.part, renamed once every chunk and the whole file verified)' })
  parseOut(value: string): string {
    return value;
  }

  @Option({ flags: '--resume', description: 'with --out: keep the verified part of an interrupted download of the same version and continue after it' })
  parseResume(): boolean {
    return true;
  }

  async run([key]: string[], options: GetOptions): Promise<void> {
    if (options.resume && !options.out) {
      throw new InvalidInputError('--resume needs --out FILE (it continues FILE.part); without --out the file goes to standard output');
    }
    if (options.out) checkOutPath(options.out, key);
    const client = NodeClient.fromOptions(options);
    try {
      const manifest = await client.manifest(key);
      if (!options.out) {
        // Each chunk is verified against the manifest as it arrives.
        await client.get(manifest, (data) => writeTo(process.stdout, data));
        return;
      }
      const out = path.resolve(options.out);
      const progress = startProgress(`get ${key}`, manifest.size);
      let resumed = 0;
      try {
        resumed = (await downloadToFile(client, manifest, out, Boolean(options.resume), (bytes) => progress.update(bytes))).resumedFromChunk;
      } catch (err) {
        throw fs.existsSync(`${out}.part`) ? new DownloadInterruptedError(err, `${out}.part`) : err;
      } finally {
        progress.stop();
      }
      if (options.json) printJson({ key: manifest.key, size: manifest.size, contentHash: manifest.contentHash, version: manifest.version, out, resumedFromChunk: resumed });
      else process.stdout.write(`Retrieved "${manifest.key}": ${manifest.size} bytes -> ${options.out}${resumed ? ` (resumed after ${resumed} verified chunk(s))` : ''}\n`);
    } finally {
      client.close();
    }
  }
}

/** Resolves once the stream has handed `data` on (its buffer is then reused for the next chunk). */
function writeTo(stream: NodeJS.WritableStream, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => (err ? reject(err) : resolve()));
  });
}
