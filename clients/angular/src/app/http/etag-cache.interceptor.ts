import { HttpErrorResponse, HttpHeaders, HttpInterceptorFn, HttpResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { catchError, of, tap, throwError } from 'rxjs';

interface Entry {
  etag: string;
  body: unknown;
  headers: HttpHeaders;
}

/** The ETag and body last seen per URL, in this tab's memory only. */
@Injectable({ providedIn: 'root' })
export class EtagCache {
  private readonly entries = new Map<string, Entry>();

  get(key: string): Entry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: Entry): void {
    this.entries.set(key, entry);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * Conditional GETs: keep each answer's ETag per URL, send it back as `If-None-Match`, and turn the
 * server's 304 (an error to HttpClient) into the kept body, with the 304's own headers (X-Cache, Age).
 *
 * - `Cache-Control: no-store` answers are never kept (and a kept entry for that URL is dropped).
 * - `Cache-Control: private` answers (per-user: /api/user/...) are kept, because this cache is private
 *   to one browser tab, but keyed by the credentials that fetched them and dropped at logout
 *   (`Session.end`), so one user's answer is never shown to the next.
 * - A request that already carries `If-None-Match` is left alone: its caller handles the 304.
 */
export const etagCacheInterceptor: HttpInterceptorFn = (request, next) => {
  if (request.method !== 'GET' || request.headers.has('If-None-Match')) return next(request);
  const cache = inject(EtagCache);
  const key = `${request.headers.get('Authorization') ?? ''} ${request.urlWithParams}`;
  const kept = cache.get(key);
  const sent = kept ? request.clone({ setHeaders: { 'If-None-Match': kept.etag } }) : request;
  return next(sent).pipe(
    tap((event) => {
      if (!(event instanceof HttpResponse)) return;
      const etag = event.headers.get('ETag');
      const control = (event.headers.get('Cache-Control') ?? '').toLowerCase();
      if (!etag || /\bno-store\b/.test(control)) {
        cache.delete(key);
        return;
      }
      cache.set(key, { etag, body: event.body, headers: event.headers });
    }),
    catchError((error: unknown) => {
      if (kept && error instanceof HttpErrorResponse && error.status === 304) {
        let headers = kept.headers;
        for (const name of error.headers.keys()) headers = headers.set(name, error.headers.getAll(name) ?? []);
        return of(new HttpResponse({ body: kept.body, headers, status: 304, statusText: 'Not Modified',
                                     url: error.url ?? request.urlWithParams }));
      }
      return throwError(() => error);
    }),
  );
};
