import { ExitCode, P2pError } from '../../common/errors';

/** A SWIM configuration with values the failure detector cannot work with. */
export class InvalidSwimConfigError extends P2pError {
  constructor(readonly problems: string[]) {
    super(`invalid gossip configuration: ${problems.join('; ')}`, 'INVALID_SWIM_CONFIG', ExitCode.usage);
  }
}
