#!/usr/bin/env node
// Chunk writes (write, fsync, rename) run on libuv's pool; the default 4 threads would queue
// a node's concurrent chunk writes behind each other. Must be set before the pool starts.
process.env.UV_THREADPOOL_SIZE ??= '16';
import 'reflect-metadata';
import type { Command } from 'commander';
import { CommandFactory } from 'nest-commander';
// The root commander instance's injection token (not re-exported from the package index).
import { Commander } from 'nest-commander/src/constants';
import { CliModule } from './cli/cli.module';
import { exitWithError, guardStdout, handleCommanderError } from './cli/output';
import { startupMark } from './common/startup-trace';
import { PACKAGE_VERSION } from './common/version';

/**
 * nest-commander installs the error handler on the root command only, after the subcommands
 * were built, so a subcommand's usage error (an unknown flag) would exit 1 without it. Give
 * every command the same handler: usage errors exit 2.
 */
function overrideExitEverywhere(command: Command): void {
  command.exitOverride(handleCommanderError);
  // `p2p peers extra` is a mistake, not a peers listing (commander accepts stray words by
  // default). A command with subcommands names the unknown word itself (unknownSubcommand).
  if (command.commands.length === 0) command.allowExcessArguments(false);
  for (const sub of command.commands) overrideExitEverywhere(sub);
}

async function main(): Promise<void> {
  startupMark('code loaded');
  guardStdout();
  const app = await CommandFactory.createWithoutRunning(CliModule, {
    cliName: 'p2p',
    logger: false,
    errorHandler: handleCommanderError,
    serviceErrorHandler: exitWithError,
  });
  const program = app.get<Command>(Commander);
  program
    .name('p2p')
    .description('p2p-storage: a decentralized peer-to-peer file store')
    .version(`p2p-storage ${PACKAGE_VERSION}`, '-V, --version', 'print the version');
  overrideExitEverywhere(program);
  startupMark('command line parser built');
  await CommandFactory.runApplication(app);
  await app.close();
}

main().catch(exitWithError);
