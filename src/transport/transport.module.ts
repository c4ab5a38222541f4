import { Module } from '@nestjs/common';
import { PeerConnectionPool } from './connection-pool';
import { NodeIdentity } from './node-identity';
import { TransportSecurity } from './tls/transport-security';
import { TRANSPORT_OBSERVER, TransportObserver } from './transport-observer';

/**
 * Exports the pool every outbound request goes through. The server side (TcpTransportServer)
 * is attached by the node runner as the app's microservice. NodeIdentity, TransportSecurity
 * and TRANSPORT_OBSERVER come from the composition root (NodeModule), so the transport needs
 * no repository: it is handed its node id, key material, pins and keyrings.
 */
@Module({
  providers: [
    {
      provide: PeerConnectionPool,
      inject: [NodeIdentity, TransportSecurity, TRANSPORT_OBSERVER],
      useFactory: (identity: NodeIdentity, security: TransportSecurity, observer: TransportObserver) => {
        const pool = new PeerConnectionPool(identity, security, observer);
        pool.onObservedHost = (host) => identity.learnObservedHost(host);
        return pool;
      },
    },
  ],
  exports: [PeerConnectionPool],
})
export class TransportModule {}
