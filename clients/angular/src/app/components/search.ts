import { DatePipe } from '@angular/common';
import { Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';

import { LogEntry } from '../api/models/log-entry';
import { SearchService } from '../api/services/search.service';
import { ApiErrorView } from './api-error';

/**
 * `GET /api/search` with highlights. `highlight` is HTML the API escaped (only `<mark>` is markup), bound
 * with [innerHTML]: Angular's sanitizer keeps `<mark>` and would strip anything else.
 */
@Component({
  selector: 'app-search',
  imports: [FormsModule, ApiErrorView, DatePipe],
  template: `
    <section class="card" aria-labelledby="search-title">
      <h2 id="search-title">Search</h2>
      <form (ngSubmit)="search()" role="search">
        <label>Words <input name="q" [(ngModel)]="q" placeholder="error, NullPointerException, &quot;a phrase&quot;"></label>
        <label>Per page <input name="size" type="number" [(ngModel)]="size"></label>
        <button type="submit">Search</button>
      </form>
      @if (total() !== null) { <p data-testid="search-total">{{ total() }} lines</p> }
      <ol class="hits">
        @for (hit of hits(); track hit.id) {
          <li><time>{{ hit.timestamp | date: 'medium' }}</time> <span class="level">{{ hit.level }}</span>
            <span class="message" [innerHTML]="hit.highlight ?? hit.message"></span></li>
        }
      </ol>
      @if (cursor()) { <button type="button" (click)="more()">Load more</button> }
      <app-api-error [error]="error()" />
    </section>
  `,
})
export class SearchView {
  private readonly searches = inject(SearchService);
  protected q = '';
  protected size = 20;
  protected readonly hits = signal<LogEntry[]>([]);
  protected readonly total = signal<number | null>(null);
  protected readonly cursor = signal<string | null>(null);
  protected readonly error = signal<unknown>(null);

  search(): void {
    this.hits.set([]);
    this.fetch(undefined);
  }

  more(): void {
    this.fetch(this.cursor() ?? undefined);
  }

  private fetch(cursor: string | undefined): void {
    this.error.set(null);
    this.searches.searchLogs({ q: this.q, size: this.size, cursor }).subscribe({
      next: (page) => {
        this.hits.update((hits) => [...hits, ...page.results]);
        this.total.set(page.total);
        this.cursor.set(page.next_cursor);
      },
      error: (error) => { this.error.set(error); this.total.set(null); this.cursor.set(null); },
    });
  }
}
