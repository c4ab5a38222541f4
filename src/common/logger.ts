/**
 * The node's logger: Nest's own ConsoleLogger, configured from --log-level and --log-format
 * (json gives one JSON object per line for log shippers). Levels are cumulative: "info"
 * shows info, warnings and errors.
 */
import { ConsoleLogger, ConsoleLoggerOptions, LogLevel as NestLogLevel } from '@nestjs/common';
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

/** Nest's own start-up chatter (module wiring, route mapping): shown only at debug and below. */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication', 'NestMicroservice']);

class NodeLogger extends ConsoleLogger {
  constructor(
    private readonly quietFramework: boolean,
    options: ConsoleLoggerOptions,
  ) {
    super(options);
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (this.quietFramework && typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) return;
    super.log(message, ...(rest as [string]));
  }

  /** ISO-8601 in UTC: sortable, unambiguous across hosts, and needs no locale data (ICU). */
  protected override getTimestamp(): string {
    return new Date().toISOString();
  }

  /** JSON lines carry the same ISO-8601 timestamp as text lines (Nest's own is epoch ms). */
  protected override getJsonLogObject(...args: Parameters<ConsoleLogger['getJsonLogObject']>): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const entry = super.getJsonLogObject(...args);
    // Nest types the field as a number; the line is JSON text, where an ISO string is what the docs promise.
    return { ...entry, timestamp: new Date(entry.timestamp).toISOString() as unknown as number };
  }
}

export function createNodeLogger(level: LogLevel, format: LogFormat): ConsoleLogger {
  return new NodeLogger(level !== 'debug' && level !== 'verbose', {
    prefix: 'p2p',
    json: format === 'json',
    logLevels: nestLogLevels(level),
    colors: format === 'text' && Boolean(process.stdout.isTTY),
  });
}
