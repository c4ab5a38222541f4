/** Maps the project's typed errors to HTTP statuses with a JSON body `{ error, code }`. */
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';
import { ExitCode, P2pError, describeError } from '../common/errors';

const STATUS_BY_EXIT: Record<number, number> = {
  [ExitCode.usage]: 400,
  [ExitCode.notFound]: 404,
  [ExitCode.unavailable]: 503,
  [ExitCode.quorum]: 503,
  [ExitCode.integrity]: 502,
  [ExitCode.refused]: 403,
  [ExitCode.conflict]: 409,
  [ExitCode.diskFull]: 507,
};

@Catch()
export class P2pErrorFilter implements ExceptionFilter {
  catch(err: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof HttpException) {
      res.status(err.getStatus()).json({ error: err.message, code: 'HTTP' });
      return;
    }
    const status = err instanceof P2pError ? STATUS_BY_EXIT[err.exitCode] ?? 500 : 500;
    res.status(status).json({ error: describeError(err), code: err instanceof P2pError ? err.code : 'INTERNAL' });
  }
}
