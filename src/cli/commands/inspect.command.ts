import { Command } from 'nest-commander';
import { InspectReport, StoragePatterns } from '../../storage/storage.types';
import { NodeClient } from '../node-client';
import { ClientCommand, ClientOptions } from '../options';
import { printJson, printTable } from '../output';

@Command({
  name: 'inspect',
  arguments: '<key>',
  description: 'Explain one key: its placed holders, which hold a verified copy, which miss it and why, and what repair is pending',
  argsDescription: { key: 'the key to explain' },
})
export class InspectCommand extends ClientCommand {
  async run([key]: string[], options: ClientOptions): Promise<void> {
    const client = NodeClient.fromOptions(options);
    try {
      const r = await client.call<InspectReport>(StoragePatterns.clientInspect, { key });
      if (options.json) return printJson(r);
      const verified = r.nodes.filter((n) => n.placed && n.state === 'verified').length;
      const placed = r.nodes.filter((n) => n.placed).length;
      process.stdout.write(
        r.version
          ? `key "${r.key}": version ${r.version}, ${r.chunks ?? '?'} chunk(s); ${verified}/${placed} placed holders verified (replicas ${r.replicas}, write quorum ${r.writeQuorum})\n`
          : `key "${r.key}": no live version (deleted or never stored)\n`,
      );
      printTable(
        ['ADDRESS', 'MEMBER', 'PLACED', 'COPY', 'DETAIL'],
        r.nodes.map((n) => [n.address, n.status, n.placed ? 'yes' : 'no', n.state, n.detail]),
      );
      process.stdout.write(r.pending.length ? `pending repair:\n${r.pending.map((p) => `  - ${p}`).join('\n')}\n` : 'pending repair: none\n');
    } finally {
      client.close();
    }
  }
}
