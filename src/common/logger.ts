/**
 * The node's logger: Nest's own ConsoleLogger, configured from --log-level and --log-format
 * (json gives one JSON object per line for log shippers). Levels are cumulative: "info"
 * shows info, warnings and errors.
 */
import { ConsoleLogger, LogLevel as NestLogLevel } from '@nestjs/common';
import type { LogFormat, LogLevel } from '../config/node-config';

const ORDER: LogLevel[] = ['error', 'warn', 'info', 'debug', 'verbose'];
const TO_NEST: Record<LogLevel, NestLogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['warn'],
  info: ['log'],
  debug: ['debug'],
  verbose: ['verbose'],
};

export function nestLogLevels(level: LogLevel): NestLogLevel[] {
  return ORDER.slice(0, ORDER.indexOf(level) + 1).flatMap((l) => TO_NEST[l]);
}

export function createNodeLogger(level: LogLevel, format: LogFormat): ConsoleLogger {
  return new ConsoleLogger({
    prefix: 'p2p',
    json: format === 'json',
    logLevels: nestLogLevels(level),
    colors: format === 'text' && Boolean(process.stdout.isTTY),
  });
}
