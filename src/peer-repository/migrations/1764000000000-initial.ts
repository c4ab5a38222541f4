import { MigrationInterface, QueryRunner } from 'typeorm';

/** The first schema. Timestamps are integer milliseconds; versions are sortable text. */
export class Initial1764000000000 implements MigrationInterface {
  name = 'Initial1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "peers" (
      "nodeId" text PRIMARY KEY NOT NULL,
      "address" text NOT NULL,
      "status" text NOT NULL,
      "incarnation" integer NOT NULL DEFAULT (0),
      "lastSeen" integer NOT NULL,
      "updatedAt" integer NOT NULL)`);
    await q.query(`CREATE INDEX "idx_peers_status" ON "peers" ("status")`);
    await q.query(`CREATE TABLE "files" (
      "key" text PRIMARY KEY NOT NULL,
      "version" text NOT NULL,
      "size" integer NOT NULL,
      "contentHash" text NOT NULL,
      "chunkSize" integer NOT NULL,
      "chunks" text NOT NULL,
      "createdAt" integer NOT NULL)`);
    await q.query(`CREATE TABLE "shares" (
      "key" text NOT NULL,
      "nodeId" text NOT NULL,
      "version" text NOT NULL,
      "confirmedAt" integer NOT NULL,
      PRIMARY KEY ("key", "nodeId"))`);
    await q.query(`CREATE INDEX "idx_shares_node" ON "shares" ("nodeId")`);
    await q.query(`CREATE TABLE "tombstones" (
      "key" text PRIMARY KEY NOT NULL,
      "version" text NOT NULL,
      "deletedAt" integer NOT NULL)`);
    await q.query(`CREATE TABLE "node_meta" ("name" text PRIMARY KEY NOT NULL, "value" text NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['node_meta', 'tombstones', 'shares', 'files', 'peers']) await q.query(`DROP TABLE "${t}"`);
  }
}
