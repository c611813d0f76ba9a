import { HttpErrorResponse } from '@angular/common/http';
import { Component, computed, input } from '@angular/core';

import { ApiError } from '../api/models/api-error';

/** Shows an API error as the API wrote it: its code, its message and, for bad input, the reason per field. */
@Component({
  selector: 'app-api-error',
  template: `
    @if (problem(); as p) {
      <div class="api-error" role="alert">
        <strong>{{ p.status }} {{ p.body.error }}</strong>: {{ p.body.detail }}
        @if (p.fields.length) {
          <ul>
            @for (field of p.fields; track field.name) {
              <li><code>{{ field.name }}</code>: {{ field.reasons.join(' ') }}</li>
            }
          </ul>
        }
      </div>
    }
  `,
})
export class ApiErrorView {
  readonly error = input<unknown>(null);

  protected readonly problem = computed(() => {
    const error = this.error();
    if (!error) return null;
    if (error instanceof HttpErrorResponse && isApiError(error.error)) {
      const body = error.error;
      const fields = Object.entries(body.fields ?? {}).map(([name, reasons]) => ({ name, reasons }));
      return { status: error.status, body, fields };
    }
    const detail = error instanceof HttpErrorResponse
      ? `${error.message} (the API did not answer with an ApiError body)` : String(error);
    return { status: error instanceof HttpErrorResponse ? error.status : 0,
             body: { error: 'client_error', detail } as ApiError, fields: [] };
  });
}

function isApiError(body: unknown): body is ApiError {
  return typeof body === 'object' && body !== null && 'error' in body && 'detail' in body;
}
