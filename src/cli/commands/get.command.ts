import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'nest-commander';
import { InvalidInputError } from '../../common/errors';
import { FileManifest } from '../../storage/storage.types';
import { BinaryToTerminalError, DownloadInterruptedError } from '../cli.errors';
import { downloadToFile } from '../download';
import { checkOutPath } from '../output-path';
import { NodeClient } from '../node-client';
import { ClientCommand, ClientOptions } from '../options';
import { failStdout, printJson } from '../output';
import { startProgress } from '../progress';

interface GetOptions extends ClientOptions {
  out?: string;
  resume?: boolean;
  viaNode?: boolean;
}

@Command({
  name: 'get',
  arguments: '<key>',
  description: 'Fetch a file from the cluster (verified chunk by chunk) to --out, or to standard output',
  argsDescription: { key: 'the key it was stored under' },
})
export class GetCommand extends ClientCommand {
  @Option({ flags: '--out <file>', description: 'write the file here (via <file>.part, renamed once every chunk and the whole file verified); "-" is standard output, even a terminal' })
  parseOut(value: string): string {
    return value;
  }

  @Option({ flags: '--resume', description: 'with --out: keep the verified part of an interrupted download of the same version and continue after it' })
  parseResume(): boolean {
    return true;
  }

  @Option({ flags: '--via-node', description: 'read every chunk through the --bootstrap node, not straight from the holders (when their addresses cannot be reached from here)' })
  parseViaNode(): boolean {
    return true;
  }

  async run([key]: string[], options: GetOptions): Promise<void> {
    // `--out -` is standard output, asked for by name (so also on a terminal, as curl's `--output -`).
    const toStdout = !options.out || options.out === '-';
    if (options.resume && toStdout) {
      throw new InvalidInputError('--resume needs --out FILE (it continues FILE.part); without --out the file goes to standard output');
    }
    if (!toStdout) checkOutPath(options.out!, key);
    const client = NodeClient.fromOptions(options);
    client.readFromHolders = !options.viaNode;
    try {
      const manifest = await client.manifest(key);
      if (toStdout) {
        await getToStdout(client, manifest, !options.out);
        return;
      }
      const out = path.resolve(options.out!);
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

/**
 * The file to standard output, each chunk verified as it arrives. Binary data is not written to
 * a terminal unless asked for (`--out -`): curl's rule, a NUL byte in the first chunk. With
 * stdout redirected, the progress bar goes to stderr when that is a terminal.
 */
async function getToStdout(client: NodeClient, manifest: FileManifest, guardTerminal: boolean): Promise<void> {
  const terminal = Boolean(process.stdout.isTTY);
  const progress = terminal ? undefined : startProgress(`get ${manifest.key}`, manifest.size);
  let first = true;
  try {
    await client.get(
      manifest,
      (data) => {
        if (first && terminal && guardTerminal && data.includes(0)) throw new BinaryToTerminalError(manifest.key);
        first = false;
        return writeTo(process.stdout, data);
      },
      0,
      (bytes) => progress?.update(bytes),
    );
  } finally {
    progress?.stop();
  }
}

/** Resolves once stdout has handed `data` on (its buffer is then reused for the next chunk). */
function writeTo(stream: NodeJS.WritableStream, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    stream.write(data, (err) => (err ? failStdout(err) : resolve()));
  });
}
