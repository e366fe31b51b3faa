import { Controller, Get, Header, Req, Res } from '@nestjs/common';
import { ReadOverview } from '../admin/read-overview.usecase.js';
import { TrafficSampler } from '../traffic/traffic-sampler.js';
import type { ConsoleRequest, ConsoleResponse } from './console-request.js';
import { Views } from './views.js';

@Controller()
export class OverviewController {
  constructor(
    private readonly overview: ReadOverview,
    private readonly traffic: TrafficSampler,
    private readonly views: Views,
  ) {}

  @Get()
  async page(@Req() req: ConsoleRequest, @Res() res: ConsoleResponse) {
    const data = await this.overview.execute();
    res.type('html').send(this.views.render('overview', { title: 'Overview', nav: 'overview', session: req.consoleSession, sampleIntervalMs: this.traffic.sampleIntervalMs, ...data }));
  }

  /** The panels alone, polled by htmx every few seconds. */
  @Get('overview/panels')
  async panels(@Res() res: ConsoleResponse) {
    const data = await this.overview.execute();
    res.type('html').send(this.views.render('overview-panels', { ...data }));
  }

  /** The chart's data: one hour of per-interval call counts by reason, oldest first. */
  @Get('api/traffic')
  @Header('Cache-Control', 'no-store')
  trafficSeries() {
    const samples = this.traffic.samples();
    const reasons = [...new Set(samples.flatMap((s) => Object.keys(s.byReason)))].sort();
    return {
      intervalMs: this.traffic.sampleIntervalMs,
      reasons: reasons.map((r) => r || 'ANSWERED'),
      at: samples.map((s) => s.at),
      series: reasons.map((r) => samples.map((s) => s.byReason[r] ?? 0)),
    };
  }
}
