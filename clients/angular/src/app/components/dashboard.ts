import { DecimalPipe } from '@angular/common';
import { Component, OnInit, inject, signal } from '@angular/core';

import { Dashboard } from '../api/models/dashboard';
import { DashboardService } from '../api/services/dashboard.service';
import { ApiErrorView } from './api-error';

interface CacheState {
  status: number;
  xCache: string;
  age: string;
  etag: string;
}

/** The KPIs of `GET /api/dashboard`, with how the answer came: X-Cache, Age, ETag and 200 or 304. */
@Component({
  selector: 'app-dashboard',
  imports: [ApiErrorView, DecimalPipe],
  template: `
    <section class="card" aria-labelledby="kpi-title">
      <h2 id="kpi-title">Dashboard</h2>
      @if (kpis(); as k) {
        <dl class="kpis">
          <div><dt>Total logs</dt><dd data-testid="total-logs">{{ k.total_logs | number }}</dd></div>
          <div><dt>Logs today</dt><dd>{{ k.logs_today | number }}</dd></div>
          <div><dt>Errors</dt><dd>{{ k.error_logs | number }}</dd></div>
          <div><dt>Files uploaded</dt><dd>{{ k.files_uploaded | number }}</dd></div>
        </dl>
      }
      @if (cache(); as c) {
        <p class="cache-state">HTTP <span data-testid="http-status">{{ c.status }}</span>,
          X-Cache: <strong data-testid="x-cache">{{ c.xCache }}</strong>, Age: <span data-testid="age">{{ c.age }}</span>,
          ETag: <code>{{ c.etag }}</code></p>
      }
      <button type="button" (click)="load()">Reload</button>
      <app-api-error [error]="error()" />
    </section>
  `,
})
export class DashboardView implements OnInit {
  private readonly dashboards = inject(DashboardService);
  protected readonly kpis = signal<Dashboard | null>(null);
  protected readonly cache = signal<CacheState | null>(null);
  protected readonly error = signal<unknown>(null);

  ngOnInit(): void {
    this.load();
  }

  load(): void {
    this.dashboards.getDashboard$Response().subscribe({
      next: (response) => {
        this.error.set(null);
        this.kpis.set(response.body);
        const header = (name: string) => response.headers.get(name) ?? '-';
        this.cache.set({ status: response.status, xCache: header('X-Cache'), age: header('Age'), etag: header('ETag') });
      },
      error: (error) => this.error.set(error),
    });
  }
}
