import { expect, test } from 'bun:test';
import { clientAddress, createTrustedProxies } from '../../src/http/client-address';

const proxies = createTrustedProxies(['127.0.0.0/8', '::1', '10.0.0.0/16']);

test('a direct client is its own address, whatever X-Forwarded-For claims', () => {
  expect(clientAddress('203.0.113.9', '1.2.3.4', proxies)).toBe('203.0.113.9');
});

test('behind nginx and the ALB, the first untrusted hop from the right is the client', () => {
  // ALB adds the client; nginx adds the ALB's private address; the peer is nginx on loopback.
  expect(clientAddress('127.0.0.1', '198.51.100.7, 10.0.1.23', proxies)).toBe('198.51.100.7');
  // A client that forges a header only pushes its forgery further left, where nobody reads it.
  expect(clientAddress('127.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.1.23', proxies)).toBe('198.51.100.7');
});

test('garbage hops are ignored; an all-trusted chain falls back to its first hop', () => {
  expect(clientAddress('127.0.0.1', 'not-an-ip, 198.51.100.7', proxies)).toBe('198.51.100.7');
  expect(clientAddress('::1', '10.0.0.5, 127.0.0.1', proxies)).toBe('10.0.0.5');
  expect(clientAddress('127.0.0.1', null, proxies)).toBe('127.0.0.1');
  expect(clientAddress(undefined, '1.2.3.4', proxies)).toBeUndefined();
});
