import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'nest-commander';
import { NodeClient } from '../node-client';
import { ClientCommand, ClientOptions } from '../options';
import { printJson } from '../output';
import { startProgress } from '../progress';

interface GetOptions extends ClientOptions {
  out?: string;
}

@Command({
  name: 'get',
  arguments: '<key>',
  description: 'Fetch a file from the cluster (verified chunk by chunk) to --out, or to standard output',
  argsDescription: { key: 'the key it was stored under' },
})
export class GetCommand extends ClientCommand {
  @Option({ flags: '--out <file>', description: 'write the file here (written to <file>.part, renamed when complete and verified)' })
  parseOut(value: string): string {
    return value;
  }

  async run([key]: string[], options: GetOptions): Promise<void> {
    const client = NodeClient.fromOptions(options);
    try {
      const manifest = await client.manifest(key);
      if (!options.out) {
        await client.get(manifest, (data) => writeTo(process.stdout, data));
        return;
      }
      const out = path.resolve(options.out);
      const partial = `${out}.part`;
      const progress = startProgress(`get ${key}`, manifest.size);
      const fd = fs.openSync(partial, 'w');
      try {
        await client.get(manifest, async (data) => void (await writeFd(fd, data)), 0, (bytes) => progress.update(bytes));
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
        progress.stop();
      }
      fs.renameSync(partial, out);
      if (options.json) printJson({ key: manifest.key, size: manifest.size, contentHash: manifest.contentHash, version: manifest.version, out });
      else process.stdout.write(`Retrieved "${manifest.key}": ${manifest.size} bytes -> ${options.out}\n`);
    } finally {
      client.close();
    }
  }
}

function writeTo(stream: NodeJS.WritableStream, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.write(data)) return resolve();
    stream.once('drain', resolve);
    stream.once('error', reject);
  });
}

function writeFd(fd: number, data: Buffer): Promise<number> {
  return new Promise((resolve, reject) => fs.write(fd, data, 0, data.length, null, (err, n) => (err ? reject(err) : resolve(n))));
}
