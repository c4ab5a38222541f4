/**
 * Connects what the transport reports to the node's logs (and metrics): a refused handshake
 * is one warning line naming the remote and the reason.
 */
import { Logger, Provider } from '@nestjs/common';
import { TRANSPORT_OBSERVER, TransportObserver } from '../transport/transport-observer';

export const transportObserverProvider: Provider = {
  provide: TRANSPORT_OBSERVER,
  useFactory: (): TransportObserver => {
    const logger = new Logger('Transport');
    return {
      frameIn() {},
      frameOut() {},
      handshakeFailed(reason, remote) {
        logger.warn(`handshake refused from ${remote}: ${reason}`);
      },
      transportError(type, remote) {
        logger.warn(`closed connection ${remote}: ${type}`);
      },
      connectionsChanged() {},
    };
  },
};
