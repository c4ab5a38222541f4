import { Module } from '@nestjs/common';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { NodeMetaRepository } from '../peer-repository/node-meta.repository';
import { PeerConnectionPool } from './connection-pool';
import { NodeIdentity } from './node-identity';
import { TRANSPORT_OBSERVER, TransportObserver } from './transport-observer';

/**
 * Exports the node's identity and the pool every outbound request goes through. The server
 * side (TcpTransportServer) is attached by the node runner as the app's microservice.
 * TRANSPORT_OBSERVER is provided by the composition root (NodeModule).
 */
@Module({
  providers: [
    {
      provide: NodeIdentity,
      inject: [NODE_CONFIG, NodeMetaRepository],
      useFactory: async (config: NodeConfig, meta: NodeMetaRepository) =>
        new NodeIdentity({
          nodeId: await meta.getOrCreateNodeId(),
          clusterId: config.clusterId,
          secret: config.clusterSecret,
          listenHost: config.listen.host,
          explicitAdvertise: config.advertise,
        }),
    },
    {
      provide: PeerConnectionPool,
      inject: [NodeIdentity, TRANSPORT_OBSERVER],
      useFactory: (identity: NodeIdentity, observer: TransportObserver) => {
        const pool = new PeerConnectionPool(identity, observer);
        pool.onObservedHost = (host) => identity.learnObservedHost(host);
        return pool;
      },
    },
  ],
  exports: [NodeIdentity, PeerConnectionPool],
})
export class TransportModule {}
