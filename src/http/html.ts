import { negotiate, type ReadyBody } from './compression';
import type { Flash } from './flash';
import { flashCookie } from './flash';

/**
 * HTML responses. One URL serves a whole page or, to htmx, a fragment; caches must keep the two
 * apart (Vary), and a history restore asks for the whole page even though htmx sends it.
 */

const HTML = 'text/html; charset=utf-8';
const VARY = 'HX-Request, HX-History-Restore-Request, Accept-Encoding';

type Headers = Record<string, string | undefined>;

/** Rendered JSX. Our components are synchronous, so an element is always a finished string. */
export type Markup = JSX.Element;

export function text(...parts: Markup[]): string {
  return parts
    .map((part) => {
      if (typeof part !== 'string') throw new Error('an asynchronous component was rendered; none should be');
      return part;
    })
    .join('');
}

export function isFragmentRequest(headers: Headers): boolean {
  return headers['hx-request'] === 'true' && headers['hx-history-restore-request'] !== 'true';
}

interface Init {
  status?: number;
  headers?: Record<string, string>;
  /** The request's Accept-Encoding, for a ReadyBody. */
  acceptEncoding?: string;
}

function html(markup: Markup | ReadyBody, { status = 200, headers = {}, acceptEncoding }: Init, cache: string) {
  const ready = typeof markup === 'object' && 'identity' in markup ? negotiate(markup, acceptEncoding) : null;
  return new Response(ready ? ready.bytes : text(markup as Markup), {
    status,
    headers: { 'content-type': HTML, vary: VARY, 'cache-control': cache, ...ready?.headers, ...headers },
  });
}

/** A whole page. Pages show live data, so browsers revalidate them every time. */
export const page = (markup: Markup | ReadyBody, init: Init = {}) => html(markup, init, 'no-cache');

/** A piece of a page for htmx to swap in. */
export const fragment = (markup: Markup | ReadyBody, init: Init = {}) => html(markup, init, 'no-store');

/** Extra content htmx swaps elsewhere on the page (an htmx 4 partial). */
export function partial(target: string, swap: 'outerHTML' | 'innerHTML', markup: Markup): string {
  return `<hx-partial hx-target="${target}" hx-swap="${swap}">${text(markup)}</hx-partial>`;
}

/** Post/Redirect/Get: 303 back to a page of ours, with a message for it to show once. */
export function redirect(location: string, message?: Flash): Response {
  const headers: Record<string, string> = { location, 'cache-control': 'no-store' };
  if (message) headers['set-cookie'] = flashCookie(message);
  return new Response(null, { status: 303, headers });
}
