/**
 * Nest's default RPC exception filter turns every error that is not an RpcException into a
 * generic "Internal server error" (and logs a stack trace). Our handlers throw typed
 * P2pErrors that the transport carries to the caller with their code and exit code, so
 * controllers of the p2p protocol use this filter to pass errors through untouched.
 */
import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';

@Catch()
export class RpcErrorPassthroughFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}
