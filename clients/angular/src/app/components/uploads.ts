import { DatePipe } from '@angular/common';
import { Component, OnInit, inject, signal } from '@angular/core';

import { Upload } from '../api/models/upload';
import { UploadsService } from '../api/services/uploads.service';
import { ApiErrorView } from './api-error';

/**
 * `GET /api/uploads`, a page at a time, the way every list of the API pages: send `size` and the
 * `next_cursor` of the page before as `cursor`. Going back is the cursor this client kept for that page.
 */
@Component({
  selector: 'app-uploads',
  imports: [ApiErrorView, DatePipe],
  template: `
    <section class="card" aria-labelledby="uploads-title">
      <h2 id="uploads-title">Uploads</h2>
      <table>
        <thead><tr><th scope="col">File</th><th scope="col">Status</th><th scope="col">Lines</th>
          <th scope="col">Uploaded</th></tr></thead>
        <tbody>
          @for (upload of rows(); track upload.id) {
            <tr><td>{{ upload.filename }}</td><td>{{ upload.status }}</td><td>{{ upload.lines_indexed }}</td>
              <td>{{ upload.created_at | date: 'short' }}</td></tr>
          }
        </tbody>
      </table>
      <p>Page <span data-testid="uploads-page">{{ cursors().length }}</span>
        <button type="button" (click)="previous()" [disabled]="cursors().length < 2">Previous page</button>
        <button type="button" (click)="next()" [disabled]="!nextCursor()">Next page</button></p>
      <app-api-error [error]="error()" />
    </section>
  `,
})
export class UploadsView implements OnInit {
  private readonly uploads = inject(UploadsService);
  private readonly size = 3;
  protected readonly rows = signal<Upload[]>([]);
  /** The cursor of each page shown so far; the first page has none. */
  protected readonly cursors = signal<(string | undefined)[]>([undefined]);
  protected readonly nextCursor = signal<string | null>(null);
  protected readonly error = signal<unknown>(null);

  ngOnInit(): void {
    this.reload();
  }

  reload(): void {
    this.cursors.set([undefined]);
    this.show(undefined);
  }

  next(): void {
    const cursor = this.nextCursor();
    if (!cursor) return;
    this.cursors.update((cursors) => [...cursors, cursor]);
    this.show(cursor);
  }

  previous(): void {
    this.cursors.update((cursors) => cursors.slice(0, -1));
    this.show(this.cursors().at(-1));
  }

  private show(cursor: string | undefined): void {
    this.uploads.listUploads({ size: this.size, cursor }).subscribe({
      next: (page) => { this.error.set(null); this.rows.set(page.results); this.nextCursor.set(page.next_cursor); },
      error: (error) => this.error.set(error),
    });
  }
}
