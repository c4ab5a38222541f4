import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { generateKeyPair } from '../../s3/auth/access-keys';
import { printJson } from '../output';

/** `p2p s3 keygen`: a new random access key for --s3-keys / --s3-keys-file. */
@SubCommand({ name: 'keygen', description: 'Print a new S3 access key as ACCESS_KEY_ID:SECRET (add it to --s3-keys or --s3-keys-file on every node)' })
export class S3KeygenCommand extends CommandRunner {
  async run(_: string[], options: { json?: boolean }): Promise<void> {
    const { accessKeyId, secret } = generateKeyPair();
    if (options.json) printJson({ accessKeyId, secretAccessKey: secret });
    else process.stdout.write(`${accessKeyId}:${secret}\n`);
  }

  @Option({ flags: '--json', description: 'print {"accessKeyId", "secretAccessKey"}' })
  parseJson(): boolean {
    return true;
  }
}

@Command({ name: 's3', description: 'S3 endpoint helpers', subCommands: [S3KeygenCommand] })
export class S3Command extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
