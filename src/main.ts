#!/usr/bin/env node
import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli/cli.module';
import { exitWithError, handleCommanderError } from './cli/output';

async function main(): Promise<void> {
  await CommandFactory.run(CliModule, {
    cliName: 'p2p',
    logger: false,
    errorHandler: handleCommanderError,
    serviceErrorHandler: exitWithError,
  });
}

main().catch(exitWithError);
