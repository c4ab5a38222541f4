import { Command } from 'nest-commander';
import { PeerRepository } from '../../peer-repository/peer.repository';
import { ShareRepository } from '../../peer-repository/share.repository';
import { NodeMetaRepository } from '../../peer-repository/node-meta.repository';
import { withDatabase } from '../local-db';
import { DbCommand, DbOptions } from '../options';
import { printJson, printTable } from '../output';

@Command({ name: 'shares', description: 'Show which node holds which file, as this node knows it (reads its database)' })
export class SharesCommand extends DbCommand {
  async run(_: string[], options: DbOptions): Promise<void> {
    const rows = await withDatabase(options.db, async (db) => {
      const meta = new NodeMetaRepository(db);
      const [shares, peers, selfId, selfAddress] = await Promise.all([new ShareRepository(db).list(), new PeerRepository(db).list(), meta.nodeId(), meta.advertise()]);
      const addresses = new Map(peers.map((p) => [p.nodeId, p.address]));
      if (selfId) addresses.set(selfId, selfAddress ?? 'unknown');
      return shares.map((s) => ({ key: s.key, nodeId: s.nodeId, address: addresses.get(s.nodeId) ?? 'unknown', self: s.nodeId === selfId, version: s.version }));
    }, 'shares');
    if (options.json) printJson(rows);
    else printTable(['KEY', 'NODE ID', 'ADDRESS', 'VERSION'], rows.map((r) => [r.key, r.nodeId, r.self ? `${r.address} (this node)` : r.address, r.version]));
  }
}
