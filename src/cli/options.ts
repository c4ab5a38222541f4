/**
 * Options shared by several commands, declared once on base classes (nest-commander reads
 * @Option methods up the prototype chain). Every option also reads P2P_<FLAG>.
 */
import { CommandRunner, Option } from 'nest-commander';

/** Commands that read a node's database directly (peers, cleanup, files list, shares). */
export abstract class DbCommand extends CommandRunner {
  @Option({ flags: '--db <path>', description: 'database of the node to read (default "p2p.db")', env: 'P2P_DB' })
  parseDb(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print JSON instead of a table' })
  parseJson(): boolean {
    return true;
  }
}

/** Commands that act as a client of a running node (store, get, delete, inspect). */
export abstract class ClientCommand extends CommandRunner {
  @Option({
    flags: '--bootstrap <host:port,...>',
    description: 'node(s) to talk to, tried in order (default "127.0.0.1:3000")',
    env: 'P2P_BOOTSTRAP',
  })
  parseBootstrap(value: string): string {
    return value;
  }

  @Option({ flags: '--listen <address>', description: 'accepted for compatibility; a client does not listen', env: 'P2P_CLIENT_LISTEN' })
  parseListen(value: string): string {
    return value;
  }

  @Option({ flags: '--db <path>', description: 'accepted for compatibility; a client keeps no database', env: 'P2P_CLIENT_DB' })
  parseDb(value: string): string {
    return value;
  }

  @Option({ flags: '--api-token <token>', description: "the node's API token, when it has one (clients never hold the cluster secret)", env: 'P2P_API_TOKEN' })
  parseApiToken(value: string): string {
    return value;
  }

  @Option({ flags: '--api-token-file <path>', description: 'read the API token from this file (its first line)', env: 'P2P_API_TOKEN_FILE' })
  parseApiTokenFile(value: string): string {
    return value;
  }

  // No env fallback on purpose: P2P_CLUSTER_SECRET is set where nodes run, and a client run there
  // must not fail for it. Given as a flag, it gets a one-line answer saying what to use instead.
  @Option({ flags: '--cluster-secret <secret>', description: 'refused: a client proves the API token (--api-token), never the cluster secret' })
  parseClusterSecret(value: string): string {
    return value;
  }

  @Option({ flags: '--cluster-id <id>', description: 'cluster id (default "p2p-storage")', env: 'P2P_CLUSTER_ID' })
  parseClusterId(value: string): string {
    return value;
  }

  @Option({ flags: '--timeout <duration>', description: 'deadline per request (default 60s)', env: 'P2P_TIMEOUT' })
  parseTimeout(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print the result as JSON' })
  parseJson(): boolean {
    return true;
  }
}

export interface ClientOptions {
  bootstrap?: string;
  apiToken?: string;
  apiTokenFile?: string;
  clusterSecret?: string;
  clusterId?: string;
  timeout?: string;
  json?: boolean;
}

export interface DbOptions {
  db?: string;
  json?: boolean;
}
