/** Where a read command says the node's database usually is, when the one it tried is missing. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { whereNodesKeepTheirDatabase } from './local-db';

describe('whereNodesKeepTheirDatabase', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-hint-'));
  const cwd = path.join(root, 'work');
  fs.mkdirSync(cwd);
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('says nothing where no installed node is found', () => {
    assert.equal(whereNodesKeepTheirDatabase('peers', cwd, root), '');
  });

  it('names the systemd node databases that exist, or the pattern', () => {
    fs.mkdirSync(path.join(root, 'etc', 'systemd', 'system'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc', 'systemd', 'system', 'p2p-storage@.service'), '');
    assert.equal(whereNodesKeepTheirDatabase('peers', cwd, root), `the systemd node's database is ${root}/var/lib/p2p-storage/<user>/p2p.db`);
    fs.mkdirSync(path.join(root, 'var', 'lib', 'p2p-storage', 'alice'), { recursive: true });
    fs.writeFileSync(path.join(root, 'var', 'lib', 'p2p-storage', 'alice', 'p2p.db'), '');
    assert.equal(whereNodesKeepTheirDatabase('peers', cwd, root), `the systemd node's database is ${root}/var/lib/p2p-storage/alice/p2p.db`);
  });

  it('points into the containers when this project\'s compose file is in the folder', () => {
    fs.writeFileSync(path.join(cwd, 'docker-compose.yml'), 'services:\n  node1:\n    environment:\n      P2P_DB: /data/p2p.db\n');
    assert.match(whereNodesKeepTheirDatabase('files list', cwd, root), /docker compose exec node1 \.\/bin\/p2p files list$/);
    fs.writeFileSync(path.join(cwd, 'docker-compose.yml'), 'services:\n  web:\n    image: nginx\n');
    assert.doesNotMatch(whereNodesKeepTheirDatabase('peers', cwd, root), /compose/);
  });
});
