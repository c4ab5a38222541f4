/**
 * Who this node is on the wire, assembled from its database and flags and handed to the
 * transport (which never reads the database itself): the node id, the TLS key beside the
 * database, the key pins of its peers (cached in memory, written through to PeerRepository),
 * and the keyrings (cluster secrets, API tokens).
 */
import { Global, Logger, Module } from '@nestjs/common';
import { describeError } from '../common/errors';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { NodeMetaRepository } from '../peer-repository/node-meta.repository';
import { PeerRepository } from '../peer-repository/peer.repository';
import { Keyring } from '../transport/keyring';
import { NodeIdentity } from '../transport/node-identity';
import { loadOrCreateNodeKey } from '../transport/tls/node-key';
import { FORGOTTEN_PIN, MemoryPinStore } from '../transport/tls/pin-store';
import { MEMBER_KEYS } from '../gossip/member-keys';
import { TransportSecurity, plaintextForBenchmark } from '../transport/tls/transport-security';

/**
 * The node's pins: loaded once at start, every new one persisted without holding up the
 * handshake; a refused node's pin is read again from the database, where `p2p peers --forget`
 * replaces it with the forgotten marker (FORGOTTEN_PIN: the next handshake pins, gossip does not).
 */
export class NodePinStore extends MemoryPinStore {
  constructor(private readonly peers: PeerRepository, private readonly logger: Logger) {
    super((nodeId, fingerprint) => void peers.pinKey(nodeId, fingerprint).catch((err) => logger.warn(`could not save the key pin of ${nodeId}: ${describeError(err)}`)));
  }

  refused(nodeId: string): void {
    void this.peers.keyPin(nodeId).then(
      (stored) => {
        if (stored === undefined || stored === FORGOTTEN_PIN) this.forget(nodeId, stored === FORGOTTEN_PIN);
      },
      () => undefined,
    );
  }
}

@Global()
@Module({
  providers: [
    {
      provide: NodePinStore,
      inject: [PeerRepository],
      useFactory: async (peers: PeerRepository) => {
        const store = new NodePinStore(peers, new Logger('Transport'));
        for (const [nodeId, fingerprint] of await peers.listKeyPins()) store.pins.set(nodeId, fingerprint);
        return store;
      },
    },
    // Gossip reads and fills the same pins (gossip/member-keys.ts).
    { provide: MEMBER_KEYS, useExisting: NodePinStore },
    {
      provide: TransportSecurity,
      inject: [NODE_CONFIG, NodeMetaRepository, NodePinStore],
      useFactory: async (config: NodeConfig, meta: NodeMetaRepository, pins: NodePinStore) => {
        const nodeId = await meta.getOrCreateNodeId();
        return new TransportSecurity(loadOrCreateNodeKey(config.dbPath, `p2p-storage node ${nodeId}`), pins, plaintextForBenchmark());
      },
    },
    {
      provide: NodeIdentity,
      inject: [NODE_CONFIG, NodeMetaRepository, TransportSecurity],
      useFactory: async (config: NodeConfig, meta: NodeMetaRepository, security: TransportSecurity) =>
        new NodeIdentity({
          nodeId: await meta.getOrCreateNodeId(),
          clusterId: config.clusterId,
          secrets: new Keyring(config.clusterSecrets),
          clientTokens: new Keyring(config.apiTokens),
          fingerprint: security.plaintext ? '' : security.fingerprint,
          listenHost: config.listen.host,
          explicitAdvertise: config.advertise,
        }),
    },
  ],
  exports: [NodeIdentity, TransportSecurity, NodePinStore, MEMBER_KEYS],
})
export class NodeIdentityModule {}
