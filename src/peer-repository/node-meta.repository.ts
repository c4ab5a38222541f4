import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { NodeMetaEntity } from './entities';
import { serialized } from './write-lock';

const NODE_ID = 'node_id';

/** Facts about this node that outlive restarts. */
@Injectable()
export class NodeMetaRepository {
  private readonly repo: Repository<NodeMetaEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(NodeMetaEntity);
  }

  async get(name: string): Promise<string | null> {
    return (await this.repo.findOneBy({ name }))?.value ?? null;
  }

  async set(name: string, value: string): Promise<void> {
    await serialized(this.dataSource, () => this.repo.upsert({ name, value }, ['name']));
  }

  /** The node's identity: 16 random bytes (hex), created on first start and kept forever. */
  async getOrCreateNodeId(): Promise<string> {
    const existing = await this.get(NODE_ID);
    if (existing) return existing;
    await serialized(this.dataSource, () => this.repo.createQueryBuilder().insert().into(NodeMetaEntity).values({ name: NODE_ID, value: randomBytes(16).toString('hex') }).orIgnore().execute());
    return (await this.get(NODE_ID))!;
  }
}
