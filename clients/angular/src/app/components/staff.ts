import { Component, inject, output, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';

import { CACHE_TYPE_ENUM } from '../api/models/cache-type-enum-array';
import { CacheTypeEnum } from '../api/models/cache-type-enum';
import { CacheService } from '../api/services/cache.service';
import { ApiErrorView } from './api-error';

/** Staff only (`is_staff` of the current user): invalidate one cache type, then watch the next read MISS. */
@Component({
  selector: 'app-staff',
  imports: [FormsModule, ApiErrorView],
  template: `
    <section class="card" aria-labelledby="staff-title">
      <h2 id="staff-title">Cache (staff)</h2>
      <label>Cache type
        <select name="cacheType" [(ngModel)]="cacheType">
          @for (type of types; track type) { <option [value]="type">{{ type }}</option> }
        </select></label>
      <button type="button" (click)="invalidate()">Invalidate</button>
      @if (done(); as d) { <p data-testid="invalidated">Invalidated {{ d }}</p> }
      <app-api-error [error]="error()" />
    </section>
  `,
})
export class StaffView {
  private readonly caches = inject(CacheService);
  readonly invalidated = output<CacheTypeEnum>();
  protected readonly types = CACHE_TYPE_ENUM;
  protected cacheType: CacheTypeEnum = 'dashboard';
  protected readonly done = signal<string | null>(null);
  protected readonly error = signal<unknown>(null);

  invalidate(): void {
    const type = this.cacheType;
    this.caches.invalidateCacheType({ cache_type: type }).subscribe({
      next: (answer) => { this.error.set(null); this.done.set(`${type}: ${JSON.stringify(answer)}`);
                          this.invalidated.emit(type); },
      error: (error) => this.error.set(error),
    });
  }
}
