import { HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';

import { Session } from '../session';

/** `Authorization: Token <key>` on every API call once logged in (cross-origin: no cookies are sent). */
export const authInterceptor: HttpInterceptorFn = (request, next) => {
  const token = inject(Session).token();
  if (!token || request.headers.has('Authorization')) return next(request);
  return next(request.clone({ setHeaders: { Authorization: `Token ${token}` } }));
};
