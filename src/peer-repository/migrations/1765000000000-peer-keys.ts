import { MigrationInterface, QueryRunner } from 'typeorm';

/** Key pins: node id -> fingerprint of its TLS key (secure transport). */
export class PeerKeys1765000000000 implements MigrationInterface {
  name = 'PeerKeys1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "peer_keys" ("nodeId" text PRIMARY KEY NOT NULL, "fingerprint" text NOT NULL, "pinnedAt" integer NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "peer_keys"`);
  }
}
