import { DynamicModule, Global, Module } from '@nestjs/common';
import { NODE_CONFIG } from './config.tokens';
import type { NodeConfig } from './node-config';

/** Provides the parsed NodeConfig to every module of the node. */
@Global()
@Module({})
export class ConfigModule {
  static forConfig(config: NodeConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: NODE_CONFIG, useValue: config }], exports: [NODE_CONFIG] };
  }
}
