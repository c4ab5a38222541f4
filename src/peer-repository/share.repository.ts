import { Injectable } from '@nestjs/common';
import { DataSource, Repository } from 'typeorm';
import { ShareEntity } from './entities';
import { keysWritten, serialized } from './write-lock';

export interface ShareRecord {
  key: string;
  nodeId: string;
  version: string;
  confirmedAt: number;
}

/** Who holds which file, as this node knows it. */
@Injectable()
export class ShareRepository {
  private readonly repo: Repository<ShareEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(ShareEntity);
  }

  async list(): Promise<ShareRecord[]> {
    return (await this.repo.find({ order: { key: 'ASC', nodeId: 'ASC' } })).map(fromRow);
  }

  async forKey(key: string): Promise<ShareRecord[]> {
    return (await this.repo.find({ where: { key }, order: { nodeId: 'ASC' } })).map(fromRow);
  }

  async add(key: string, nodeId: string, version: string): Promise<void> {
    await serialized(this.dataSource, () => this.repo.upsert({ key, nodeId, version, confirmedAt: Date.now() }, ['key', 'nodeId'])).finally(() => keysWritten(this.dataSource, [key]));
  }

  async removeKey(key: string): Promise<void> {
    await serialized(this.dataSource, () => this.repo.delete({ key })).finally(() => keysWritten(this.dataSource, [key]));
  }
}

function fromRow(r: ShareEntity): ShareRecord {
  return { key: r.key, nodeId: r.nodeId, version: r.version, confirmedAt: Number(r.confirmedAt) };
}
