import { Component, OnInit, inject, signal } from '@angular/core';

import { UserService } from '../api/services/user.service';
import { Session } from '../session';
import { ApiErrorView } from './api-error';

/** `GET /api/user/me`: who the token belongs to (a reload keeps the token, not the user, so ask). */
@Component({
  selector: 'app-who-am-i',
  imports: [ApiErrorView],
  template: `
    @if (session.user(); as user) {
      <p class="who">Logged in as <strong data-testid="username">{{ user.username }}</strong> (id {{ user.id }})
        @if (user.is_staff) { <span class="badge">staff</span> }
        <button type="button" (click)="session.end()">Log out</button></p>
    }
    <app-api-error [error]="error()" />
  `,
})
export class WhoAmI implements OnInit {
  protected readonly session = inject(Session);
  private readonly users = inject(UserService);
  protected readonly error = signal<unknown>(null);

  ngOnInit(): void {
    this.users.getCurrentUser().subscribe({
      next: (user) => this.session.user.set(user),
      error: (error) => {
        this.error.set(error);
        if (error?.status === 401) this.session.end();
      },
    });
  }
}
