/**
 * The S3 endpoint's own listener: a plain node:http (or, with --s3-tls-cert/--s3-tls-key,
 * node:https) server owned by this module, so request bodies reach the handlers as streams,
 * untouched by any body parser, and `Expect: 100-continue` is answered only once a request
 * is authenticated (see S3Request.continueBody). Started by the node runner after the HTTP
 * API; closed (connections included) when the node stops.
 */
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { NODE_CONFIG } from '../config/config.tokens';
import type { NodeConfig } from '../config/node-config';
import { formatHostPort } from '../config/address';
import { describeError } from '../common/errors';
import { AccessKeyStore } from './auth/access-keys';
import { S3Router } from './s3-router';

@Injectable()
export class S3Server implements OnModuleDestroy {
  private readonly logger = new Logger('S3');
  private server: http.Server | https.Server | undefined;

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly router: S3Router,
    private readonly keys: AccessKeyStore,
  ) {}

  /** Binds the endpoint; returns what the ready line shows ("off" when it does not run). */
  async start(): Promise<string> {
    const listen = this.config.s3.listen;
    if (listen === 'off') return 'off';
    if (this.keys.size === 0) {
      this.logger.warn('S3 endpoint off: no access key configured (set --s3-keys or --s3-keys-file)');
      return 'off';
    }
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.router.handle(req, res).catch((err) => {
        this.logger.error(`S3 request failed: ${describeError(err)}`);
        res.destroy();
      });
    };
    const tls = this.config.s3.tlsCert ? { cert: fs.readFileSync(this.config.s3.tlsCert), key: fs.readFileSync(this.config.s3.tlsKey!) } : undefined;
    const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
    // Answer `Expect: 100-continue` from the handler, after the signature is checked.
    server.on('checkContinue', handler);
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 70_000;
    server.requestTimeout = 0;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host || '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const host = !listen.host || listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host;
    return `${tls ? 'https' : 'http'}://${formatHostPort({ host, port })}`;
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
