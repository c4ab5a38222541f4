import { Command } from 'nest-commander';
import { NodeClient } from '../node-client';
import { ClientCommand, ClientOptions } from '../options';
import { printJson } from '../output';

@Command({
  name: 'delete',
  arguments: '<key>',
  description: 'Delete a file from every node (a versioned tombstone that reaches every holder)',
  argsDescription: { key: 'the key to delete' },
})
export class DeleteCommand extends ClientCommand {
  async run([key]: string[], options: ClientOptions): Promise<void> {
    const client = NodeClient.fromOptions(options);
    try {
      const result = await client.delete(key);
      if (options.json) printJson(result);
      else process.stdout.write(`Deleted "${result.key}"\n`);
    } finally {
      client.close();
    }
  }
}
