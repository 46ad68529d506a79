import { BlockList, isIP } from 'node:net';

/**
 * The client's address behind our proxies (ALB → nginx → app). X-Forwarded-For is read from the
 * right, skipping hops we trust; the first address we do not trust is the client. A header sent by
 * the client itself cannot make us believe anything unless it arrives through a trusted proxy.
 */
export function createTrustedProxies(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', prefix] = cidr.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

function trusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | null,
  proxies: BlockList,
): string | undefined {
  if (!peer || !trusted(proxies, peer) || !forwardedFor) return peer;
  const hops = forwardedFor
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => isIP(hop) !== 0);
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = hops[index] as string;
    if (!trusted(proxies, hop)) return hop;
  }
  return hops[0] ?? peer;
}

/** Whether the browser reached our proxy over HTTPS: only a trusted proxy's X-Forwarded-Proto is believed. */
export function arrivedOverHttps(peer: string | undefined, forwardedProto: string | null, proxies: BlockList): boolean {
  return forwardedProto === 'https' && peer !== undefined && trusted(proxies, peer);
}

export type Server = { requestIP(request: Request): { address: string } | null } | null;
type Headers = Record<string, string | undefined>;

/** What routes may know of the connection: the client's address (rate limits) and whether it came over HTTPS (cookies). */
export interface ClientFacts {
  addressOf(request: Request, server: Server, headers: Headers): string | undefined;
  overHttps(request: Request, server: Server, headers: Headers): boolean;
}

export function clientFacts(proxies: BlockList): ClientFacts {
  const peerOf = (request: Request, server: Server) => server?.requestIP(request)?.address;
  return {
    addressOf: (request, server, headers) =>
      clientAddress(peerOf(request, server), headers['x-forwarded-for'] ?? null, proxies),
    // Asked on every signed-in request: the peer's address (a native call) only when it could matter.
    overHttps: (request, server, headers) =>
      headers['x-forwarded-proto'] === 'https' && arrivedOverHttps(peerOf(request, server), 'https', proxies),
  };
}
