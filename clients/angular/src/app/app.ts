import { Component, inject, viewChild } from '@angular/core';

import { DashboardView } from './components/dashboard';
import { Login } from './components/login';
import { SearchView } from './components/search';
import { StaffView } from './components/staff';
import { UploadView } from './components/upload';
import { UploadsView } from './components/uploads';
import { WhoAmI } from './components/who-am-i';
import { Session } from './session';

/** The logdash client: log in, then the dashboard, search, upload, the uploads list and, for staff, the cache. */
@Component({
  selector: 'app-root',
  imports: [DashboardView, Login, SearchView, StaffView, UploadView, UploadsView, WhoAmI],
  template: `
    <header><h1>logdash</h1>
      @if (session.loggedIn()) { <app-who-am-i /> }
    </header>
    <main>
      @if (!session.loggedIn()) {
        <app-login />
      } @else {
        <app-dashboard />
        <app-search />
        <app-upload (uploaded)="uploads()?.reload(); dashboard()?.load()" />
        <app-uploads />
        @if (session.isStaff()) { <app-staff (invalidated)="dashboard()?.load()" /> }
      }
    </main>
  `,
})
export class App {
  protected readonly session = inject(Session);
  protected readonly dashboard = viewChild(DashboardView);
  protected readonly uploads = viewChild(UploadsView);
}
