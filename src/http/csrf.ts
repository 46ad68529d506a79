import { Elysia } from 'elysia';
import { HttpError } from './http-error';

type Headers = Record<string, string | undefined>;

/**
 * Forms change data, so only our own pages may post them (CSRF). Browsers say where a request
 * comes from in Sec-Fetch-Site; older ones send Origin, which must then name our host.
 */
export function isSameOrigin(headers: Headers): boolean {
  const site = headers['sec-fetch-site'];
  if (site) return site === 'same-origin' || site === 'none';
  const origin = headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}

/** Refuses a POST from another site (403) before its handler runs, for the routes of the module using it. */
export function sameOriginForms() {
  return new Elysia({ name: 'same-origin-forms' }).onBeforeHandle({ as: 'scoped' }, ({ request, headers }) => {
    if (request.method === 'POST' && !isSameOrigin(headers)) {
      throw new HttpError(403, 'cross_site_form', 'Forms from other sites cannot change your tasks');
    }
  });
}
