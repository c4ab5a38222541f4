import { Command, Option } from 'nest-commander';
import { InvalidInputError } from '../../common/errors';
import { PeerRepository } from '../../peer-repository/peer.repository';
import { withDatabase } from '../local-db';
import { DbCommand, DbOptions } from '../options';
import { formatTime, printJson, printTable } from '../output';

interface PeersOptions extends DbOptions {
  forget?: string;
}

@Command({ name: 'peers', description: 'List the peers a node knows (reads its database; works while it runs)' })
export class PeersCommand extends DbCommand {
  async run(_: string[], options: PeersOptions): Promise<void> {
    if (options.forget !== undefined) return this.forget(options.db, options.forget);
    const peers = await withDatabase(options.db, (db) => new PeerRepository(db).list());
    if (options.json) {
      printJson(peers.map((p) => ({ nodeId: p.nodeId, address: p.address, status: p.status, incarnation: p.incarnation, lastSeen: new Date(p.lastSeen).toISOString() })));
      return;
    }
    printTable(['ADDRESS', 'STATUS', 'LAST SEEN', 'NODE ID'], peers.map((p) => [p.address, p.status, formatTime(p.lastSeen), p.nodeId]));
  }

  /**
   * Forgets a member and the key pinned for it, so it is accepted with a new key (a node
   * re-keyed on purpose). A running node notices at that member's next connection attempt.
   */
  private async forget(db: string | undefined, nodeId: string): Promise<void> {
    if (!/^[0-9a-f]{8,64}$/.test(nodeId)) throw new InvalidInputError(`--forget "${nodeId}" is not a node id (hex, as "p2p peers" lists them)`);
    const known = await withDatabase(db, (d) => new PeerRepository(d).forget(nodeId));
    if (!known) throw new InvalidInputError(`--forget: node ${nodeId} is not known to this node`);
    process.stdout.write(`forgot node ${nodeId} and its key: it is accepted with a new key at its next connection\n`);
  }

  @Option({ flags: '--forget <node-id>', description: 'forget a member and its pinned key, to accept it with a new key (a node re-keyed on purpose)' })
  parseForget(value: string): string {
    return value;
  }
}
