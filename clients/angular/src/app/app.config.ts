import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { ApplicationConfig, inject, provideAppInitializer, provideBrowserGlobalErrorListeners } from '@angular/core';

import { ApiConfiguration } from './api/api-configuration';
import { authInterceptor } from './http/auth.interceptor';
import { etagCacheInterceptor } from './http/etag-cache.interceptor';

/** Where the API is: `config.json` next to index.html, read once at start (deployments rewrite that file). */
async function loadApiUrl(): Promise<void> {
  const config = inject(ApiConfiguration);
  const response = await fetch('config.json', { cache: 'no-store' });
  if (response.ok) {
    const { apiUrl } = (await response.json()) as { apiUrl?: string };
    if (apiUrl) config.rootUrl = apiUrl.replace(/\/$/, '');
  }
}

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    // XHR, not withFetch(): fetch reports no upload progress. The ETag cache runs after the token is
    // added, so it keys private answers by the credentials.
    provideHttpClient(withInterceptors([authInterceptor, etagCacheInterceptor])),
    provideAppInitializer(loadApiUrl),
  ],
};
