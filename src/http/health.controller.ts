/** /healthz: the process answers. /readyz: 200 or 503 with a JSON body naming each failing check. */
import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ReadinessService } from '../node/readiness.service';

@Controller()
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz(@Res() res: Response): Promise<void> {
    const r = await this.readiness.check();
    res.status(r.ready ? 200 : 503).json(r);
  }
}
