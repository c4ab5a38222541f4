/**
 * When the cluster has a secret, the REST API wants `Authorization: Bearer <--api-token>`.
 * A cluster with a secret but no API token refuses every API call (there is nothing to match),
 * rather than exposing the files of a private cluster. Health and metrics are not guarded.
 */
import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';

@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(@Inject(NODE_CONFIG) private readonly config: NodeConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.config.clusterSecret) return true;
    const expected = this.config.apiToken;
    if (!expected) throw new UnauthorizedException('this cluster has a secret: set --api-token on the node to use the API');
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw new UnauthorizedException('missing or wrong bearer token');
    return true;
  }
}
