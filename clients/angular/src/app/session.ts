import { Injectable, computed, inject, signal } from '@angular/core';

import { CurrentUser } from './api/models/current-user';
import { EtagCache } from './http/etag-cache.interceptor';

/** Who is logged in: the token `POST /api/auth/token` returned and the user it came with. */
@Injectable({ providedIn: 'root' })
export class Session {
  private readonly etags = inject(EtagCache);
  readonly token = signal<string | null>(sessionStorage.getItem('logdash.token'));
  readonly user = signal<CurrentUser | null>(null);
  readonly loggedIn = computed(() => this.token() !== null);
  readonly isStaff = computed(() => this.user()?.is_staff === true);

  start(token: string, user: CurrentUser): void {
    sessionStorage.setItem('logdash.token', token);
    this.token.set(token);
    this.user.set(user);
  }

  end(): void {
    sessionStorage.removeItem('logdash.token');
    this.token.set(null);
    this.user.set(null);
    this.etags.clear(); // private answers must not outlive the login that fetched them
  }
}
