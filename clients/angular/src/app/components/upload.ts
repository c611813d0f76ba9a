import { HttpClient, HttpEventType } from '@angular/common/http';
import { Component, OnDestroy, inject, output, signal } from '@angular/core';
import { Subscription, timer } from 'rxjs';
import { switchMap, takeWhile } from 'rxjs/operators';

import { ApiConfiguration } from '../api/api-configuration';
import { uploadLog } from '../api/fn/upload/upload-log';
import { UploadJob } from '../api/models/upload-job';
import { ApiErrorView } from './api-error';

/**
 * `POST /api/upload` (multipart `file`) with the bytes sent as a progress bar. The generated `uploadLog()`
 * keeps only the final response, so this one call goes through HttpClient with `reportProgress`, on the
 * generated path and types. The answer is the upload's job (202, `queued`): its `url`
 * (`GET /api/uploads/<id>`) is polled every second, showing the job's own percent, until it ends.
 */
@Component({
  selector: 'app-upload',
  imports: [ApiErrorView],
  template: `
    <section class="card" aria-labelledby="upload-title">
      <h2 id="upload-title">Upload a log file</h2>
      <label>File <input type="file" name="file" (change)="pick($event)"></label>
      <button type="button" (click)="send()" [disabled]="!file() || sending()">Upload</button>
      @if (sent() !== null) {
        <progress max="100" [value]="sent()" aria-label="Bytes sent">{{ sent() }} %</progress>
        <span data-testid="upload-progress">{{ sent() }} %</span>
      }
      @if (result(); as r) {
        @if (r.status === 'queued' || r.status === 'processing') {
          <progress max="100" [value]="r.percent" aria-label="Lines indexed">{{ r.percent }} %</progress>
          <span data-testid="job-progress">indexing: {{ r.percent }} %</span>
        }
        <p data-testid="upload-summary">{{ r.filename }}: {{ r.status }}, {{ r.lines_indexed }} of {{ r.lines_read }}
          lines indexed ({{ r.detected_format }})</p>
      }
      <app-api-error [error]="error()" />
    </section>
  `,
})
export class UploadView implements OnDestroy {
  private readonly http = inject(HttpClient);
  private readonly config = inject(ApiConfiguration);
  readonly uploaded = output<UploadJob>();
  protected readonly file = signal<File | null>(null);
  protected readonly sending = signal(false);
  protected readonly sent = signal<number | null>(null);
  protected readonly result = signal<UploadJob | null>(null);
  protected readonly error = signal<unknown>(null);
  private polling?: Subscription;

  pick(event: Event): void {
    this.file.set((event.target as HTMLInputElement).files?.[0] ?? null);
  }

  send(): void {
    const file = this.file();
    if (!file) return;
    const body = new FormData();
    body.append('file', file, file.name);
    this.sending.set(true);
    this.sent.set(0);
    this.result.set(null);
    this.error.set(null);
    this.http.post<UploadJob>(this.config.rootUrl + uploadLog.PATH, body, { reportProgress: true, observe: 'events' })
      .subscribe({
        next: (event) => {
          if (event.type === HttpEventType.UploadProgress) {
            this.sent.set(event.total ? Math.round((100 * event.loaded) / event.total) : 0);
          } else if (event.type === HttpEventType.Response && event.body) {
            this.sent.set(100);
            this.finish(event.body);
          }
        },
        error: (error) => { this.error.set(error); this.sending.set(false); },
      });
  }

  private finish(job: UploadJob): void {
    this.result.set(job);
    if (job.status !== 'queued' && job.status !== 'processing') {
      this.sending.set(false);
      this.uploaded.emit(job);
      return;
    }
    this.polling = timer(500, 1000).pipe(
      switchMap(() => this.http.get<UploadJob>(job.url)),
      takeWhile((current) => current.status === 'queued' || current.status === 'processing', true),
    ).subscribe({
      next: (current) => this.result.set(current),
      error: (error) => { this.error.set(error); this.sending.set(false); },
      complete: () => { this.sending.set(false); this.uploaded.emit(this.result()!); },
    });
  }

  ngOnDestroy(): void {
    this.polling?.unsubscribe();
  }
}
