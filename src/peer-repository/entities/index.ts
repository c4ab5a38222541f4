import { AbortedVersionEntity } from './aborted-version.entity';
import { FileChunkEntity } from './file-chunk.entity';
import { FileEntity } from './file.entity';
import { NodeMetaEntity } from './node-meta.entity';
import { PeerEntity } from './peer.entity';
import { PeerKeyEntity } from './peer-key.entity';
import { PreviousChunkEntity, PreviousVersionEntity } from './previous-version.entity';
import { ShareEntity } from './share.entity';
import { TombstoneEntity } from './tombstone.entity';

export { AbortedVersionEntity, FileChunkEntity, FileEntity, NodeMetaEntity, PeerEntity, PeerKeyEntity, PreviousChunkEntity, PreviousVersionEntity, ShareEntity, TombstoneEntity };
export const ENTITIES = [PeerEntity, FileEntity, FileChunkEntity, ShareEntity, TombstoneEntity, NodeMetaEntity, PeerKeyEntity, AbortedVersionEntity, PreviousVersionEntity, PreviousChunkEntity];
