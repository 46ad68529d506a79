import { isIP } from 'node:net';

/**
 * A URL authority's host, as DNS and URLs spell it: dot-separated labels of letters, digits, `-`
 * and `_`, or an IPv6 address in brackets, then an optional port. Anything else (spaces, `%`, `@`,
 * non-ASCII, a list) is refused rather than guessed at: whatever reads it next would guess otherwise.
 */
const AUTHORITY = /^(?:\[(?<ipv6>[0-9a-f:.]+)\]|(?<name>[a-z0-9_-]+(?:\.[a-z0-9_-]+)*)\.?)(?::(?<port>\d{1,5}))?$/i;

/** "Example.COM.:8080" → "example.com", "[::1]:80" → "[::1]"; null when it is not a host. */
export function hostNameOf(authority: string): string | null {
  const { ipv6, name, port } = AUTHORITY.exec(authority)?.groups ?? {};
  if (port !== undefined && Number(port) > 65535) return null;
  if (ipv6 !== undefined) return isIP(ipv6) === 6 ? `[${ipv6.toLowerCase()}]` : null;
  return name?.toLowerCase() ?? null;
}
