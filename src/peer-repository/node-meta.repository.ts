import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { NodeMetaEntity } from './entities';
import { serialized } from './write-lock';

const NODE_ID = 'node_id';
/** The address the node last advertised, for commands that read its database (`shares`). */
const ADVERTISE = 'advertise';

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

  /** The node id, without creating one (for read commands). */
  nodeId(): Promise<string | null> {
    return this.get(NODE_ID);
  }

  advertise(): Promise<string | null> {
    return this.get(ADVERTISE);
  }

  setAdvertise(address: string): Promise<void> {
    return this.set(ADVERTISE, address);
  }

  /** The node's identity: 16 random bytes (hex), created on first start and kept forever. */
  async getOrCreateNodeId(): Promise<string> {
    const existing = await this.get(NODE_ID);
    if (existing) return existing;
    await serialized(this.dataSource, () => this.repo.createQueryBuilder().insert().into(NodeMetaEntity).values({ name: NODE_ID, value: randomBytes(16).toString('hex') }).orIgnore().execute());
    return (await this.get(NODE_ID))!;
  }
}
