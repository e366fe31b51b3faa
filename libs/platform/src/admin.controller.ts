import { Controller, Get, Header, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { Metrics } from './metrics.js';
import { Readiness } from './readiness.js';

/** The admin port (README "Configuration"): liveness, readiness and Prometheus metrics. */
@Controller()
export class AdminController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: Readiness,
    private readonly metrics: Metrics,
  ) {}

  @Get('healthz')
  @HealthCheck()
  healthz() {
    return this.health.check([() => this.indicators.check('process').up()]);
  }

  @Get('readyz')
  @HealthCheck()
  readyz() {
    return this.health.check(
      this.readiness.entries().map(([name, check]) => async (): Promise<HealthIndicatorResult> => {
        const session = this.indicators.check(name);
        return (await check()) ? session.up() : session.down();
      }),
    );
  }

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async prometheus(@Res() res: { type(t: string): void; send(b: string): void }) {
    res.type(this.metrics.registry.contentType);
    res.send(await this.metrics.registry.metrics());
  }
}
