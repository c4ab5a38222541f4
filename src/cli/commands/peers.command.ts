import { Command } from 'nest-commander';
import { PeerRepository } from '../../peer-repository/peer.repository';
import { withDatabase } from '../local-db';
import { DbCommand, DbOptions } from '../options';
import { formatTime, printJson, printTable } from '../output';

@Command({ name: 'peers', description: 'List the peers a node knows (reads its database; works while it runs)' })
export class PeersCommand extends DbCommand {
  async run(_: string[], options: DbOptions): Promise<void> {
    const peers = await withDatabase(options.db, (db) => new PeerRepository(db).list());
    if (options.json) {
      printJson(peers.map((p) => ({ nodeId: p.nodeId, address: p.address, status: p.status, incarnation: p.incarnation, lastSeen: new Date(p.lastSeen).toISOString() })));
      return;
    }
    printTable(['ADDRESS', 'STATUS', 'LAST SEEN', 'NODE ID'], peers.map((p) => [p.address, p.status, formatTime(p.lastSeen), p.nodeId]));
  }
}
