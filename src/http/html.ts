import type { ReadyBody } from '../lib/compression';
import { negotiate } from './content-encoding';

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
  return new Response(ready ? ready.body : text(markup as Markup), {
    status,
    headers: { 'content-type': HTML, vary: VARY, 'cache-control': cache, ...ready?.headers, ...headers },
  });
}

/**
 * A whole page. Pages show one account's live data, so no browser or proxy keeps a copy: with
 * `no-cache` a browser still stored them and Back, right after signing out, showed the task list
 * again from its cache without asking the server.
 */
export const page = (markup: Markup | ReadyBody, init: Init = {}) => html(markup, init, 'no-store');

/** A piece of a page for htmx to swap in. */
export const fragment = (markup: Markup | ReadyBody, init: Init = {}) => html(markup, init, 'no-store');

/** Extra content htmx swaps elsewhere on the page (an htmx 4 partial). */
export function partial(target: string, swap: 'outerHTML' | 'innerHTML', markup: Markup): string {
  return `<hx-partial hx-target="${target}" hx-swap="${swap}">${text(markup)}</hx-partial>`;
}

/**
 * One URL, two answers: the fragment htmx asked for, or the whole page (for a first visit, a
 * reload, a history restore, or a browser without JavaScript). `render` is told which.
 */
export function pageOrFragment(
  headers: Headers,
  render: (asFragment: boolean) => Markup | ReadyBody,
  init: Omit<Init, 'acceptEncoding'> = {},
): Response {
  const asFragment = isFragmentRequest(headers);
  const withEncoding = { acceptEncoding: headers['accept-encoding'], ...init };
  return asFragment ? fragment(render(true), withEncoding) : page(render(false), withEncoding);
}

/**
 * Post/Redirect/Get: 303 back to a page of ours (which shows any flash message left for it). The
 * location is a fixed path or a list view's URL, whose parts are bounded (src/tasks/list-view.ts):
 * a proxy must fit all of an answer's headers in one buffer (4 KB by nginx's default).
 */
export function redirect(location: string, cookies: string[] = []): Response {
  const response = new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store' } });
  for (const cookie of cookies) response.headers.append('set-cookie', cookie);
  return response;
}

/** The answer with these Set-Cookie lines added (a flash message cleared once shown). */
export function withCookies(response: Response, cookies: string[]): Response {
  for (const cookie of cookies) response.headers.append('set-cookie', cookie);
  return response;
}
