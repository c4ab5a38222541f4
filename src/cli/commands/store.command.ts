import * as fs from 'node:fs';
import { Command } from 'nest-commander';
import { InvalidInputError } from '../../common/errors';
import { NodeClient } from '../node-client';
import { ClientCommand, ClientOptions } from '../options';
import { printJson } from '../output';
import { startProgress } from '../progress';

@Command({
  name: 'store',
  arguments: '<key> <file>',
  description: 'Store a file in the cluster under <key> (through the node named by --bootstrap)',
  argsDescription: { key: 'the name to store it under (1-1024 bytes of UTF-8)', file: 'the file to read ("-" reads standard input)' },
})
export class StoreCommand extends ClientCommand {
  async run([key, file]: string[], options: ClientOptions): Promise<void> {
    const client = NodeClient.fromOptions(options);
    const size = statInput(file);
    const progress = startProgress(`store ${key}`, size);
    try {
      const source = file === '-' ? process.stdin : fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
      const result = await client.store(key, source, (bytes) => progress.update(bytes));
      progress.stop();
      if (options.json) printJson(result);
      else {
        process.stdout.write(
          `Stored "${result.key}": ${result.size} bytes in ${result.chunks} chunk(s), ${result.confirmed.length}/${result.holders.length} holders confirmed\n`,
        );
      }
    } finally {
      progress.stop();
      client.close();
    }
  }
}

function statInput(file: string): number {
  if (file === '-') return 0;
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) throw new InvalidInputError(`"${file}" is not a regular file`);
    return st.size;
  } catch (err) {
    if (err instanceof InvalidInputError) throw err;
    throw new InvalidInputError(`cannot read "${file}": ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
}
