/**
 * Opens a node's database for a read or maintenance command, and always closes it. These
 * commands never create a database: a missing one is an error naming the path tried and,
 * where an installed node is found, where its database usually is.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { openDatabase } from '../peer-repository/data-source';

export async function withDatabase<T>(dbPath: string | undefined, work: (db: DataSource) => Promise<T>, command = 'peers'): Promise<T> {
  const db = await openDatabase(path.resolve(dbPath || 'p2p.db'), { existing: { hint: whereNodesKeepTheirDatabase(command) } });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/**
 * A hint for a missing database: the systemd unit's state folders (install.sh), or the compose
 * cluster's containers when a compose file of this project is in the current folder.
 * `root` lets a test look at a staged install.
 */
export function whereNodesKeepTheirDatabase(command: string, cwd = process.cwd(), root = '/'): string {
  const hints: string[] = [];
  const stateDir = path.join(root, 'var', 'lib', 'p2p-storage');
  if (fs.existsSync(path.join(root, 'etc', 'systemd', 'system', 'p2p-storage@.service'))) {
    const found = listDir(stateDir).map((user) => path.join(stateDir, user, 'p2p.db')).filter((db) => fs.existsSync(db));
    hints.push(`the systemd node's database is ${found.length ? found.join(' or ') : `${stateDir}/<user>/p2p.db`}`);
  }
  const compose = ['docker-compose.yml', 'compose.yaml', 'compose.yml'].map((f) => path.join(cwd, f)).find((f) => fs.existsSync(f));
  if (compose && /p2p-storage|P2P_DB/.test(fs.readFileSync(compose, 'utf8'))) {
    hints.push(`a compose node keeps its database in its container (P2P_DB=/data/p2p.db): docker compose exec node1 ./bin/p2p ${command}`);
  }
  return hints.join('; ');
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
