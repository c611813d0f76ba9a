import { Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';

import { AuthService } from '../api/services/auth.service';
import { Session } from '../session';
import { ApiErrorView } from './api-error';

/** Username and password for a token; the reply carries the user too (id, username, is_staff). */
@Component({
  selector: 'app-login',
  imports: [FormsModule, ApiErrorView],
  template: `
    <form (ngSubmit)="logIn()" class="card" aria-labelledby="login-title">
      <h2 id="login-title">Log in</h2>
      <label>Username <input name="username" [(ngModel)]="username" autocomplete="username" required></label>
      <label>Password <input name="password" type="password" [(ngModel)]="password" autocomplete="current-password"
                             required></label>
      <button type="submit" [disabled]="busy()">Log in</button>
      <app-api-error [error]="error()" />
    </form>
  `,
})
export class Login {
  private readonly auth = inject(AuthService);
  private readonly session = inject(Session);
  protected username = '';
  protected password = '';
  protected readonly busy = signal(false);
  protected readonly error = signal<unknown>(null);

  logIn(): void {
    this.busy.set(true);
    this.error.set(null);
    this.auth.obtainAuthToken({ body: { username: this.username, password: this.password } }).subscribe({
      next: ({ token, user }) => this.session.start(token, user),
      error: (error) => { this.error.set(error); this.busy.set(false); },
      complete: () => this.busy.set(false),
    });
  }
}
