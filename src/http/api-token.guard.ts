/**
 * The REST API (files, peers, inspect) wants `Authorization: Bearer <token>` for any token of
 * the node's keyring (--api-token / --api-token-file, reloaded on SIGHUP) whenever a token is
 * set, the node has a cluster secret, or the API is reachable from other hosts
 * (NodeConfig.apiTokenRequired). In the last two cases with no token set it answers nobody,
 * rather than exposing the files. Only a loopback API of a node with neither secret nor token
 * (the quick start) is open. Health and readiness are never guarded; /metrics is with
 * --metrics-require-token (MetricsTokenGuard).
 */
import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { Keyring } from '../transport/keyring';
import { NodeIdentity } from '../transport/node-identity';
import { bearerTokenOf, matchesAnyToken } from './bearer-token';

@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly tokens: Keyring;

  constructor(
    @Inject(NODE_CONFIG) protected readonly config: NodeConfig,
    identity: NodeIdentity,
  ) {
    this.tokens = identity.clientTokens ?? new Keyring();
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.config.apiTokenRequired && this.tokens.isEmpty) return true;
    if (this.tokens.isEmpty) {
      const why = this.config.clusterSecret ? 'this cluster has a secret' : 'this API is reachable from other hosts';
      throw new UnauthorizedException(`${why}: set --api-token on the node to use the API`);
    }
    const given = bearerTokenOf(context.switchToHttp().getRequest<Request>().headers.authorization);
    if (!matchesAnyToken(given, this.tokens.secrets)) throw new UnauthorizedException('missing or wrong bearer token (Authorization: Bearer <--api-token>)');
    return true;
  }
}

/** /metrics: open, unless --metrics-require-token puts it behind the API token too. */
@Injectable()
export class MetricsTokenGuard extends ApiTokenGuard {
  override canActivate(context: ExecutionContext): boolean {
    return this.config.metricsRequireToken ? super.canActivate(context) : true;
  }
}
