import { describe, expect, it } from 'vitest';
import { viewerAddress } from '../../src/http/viewer.js';
import { clean } from '../../src/lib/clean.js';
import { hostAllowed } from '../../src/service/settings.js';

describe('CloudFront-Viewer-Address', () => {
  it('is read as the address without its port, IPv4 and IPv6', () => {
    expect(viewerAddress('198.51.100.10:46532')).toBe('198.51.100.10');
    expect(viewerAddress('2001:db8:85a3::8a2e:370:7334:46532')).toBe('2001:db8:85a3::8a2e:370:7334');
    expect(viewerAddress('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(viewerAddress(' 203.0.113.5 ')).toBe('203.0.113.5');
    expect(viewerAddress('')).toBeUndefined();
    expect(viewerAddress(undefined)).toBeUndefined();
  });
});

describe('input hygiene', () => {
  it('strips NUL, control characters and ANSI escapes, and keeps the rest', () => {
    expect(clean('/pri\u0000cing\u001b[31m red\u001b[0m\u0007')).toBe('/pricing red');
    expect(clean('sign\tup\n\r\u0085\u009b')).toBe('signup');
    expect(clean('Größe 日本 🙂 "quoted", =1+1')).toBe('Größe 日本 🙂 "quoted", =1+1');
  });
});

describe('allowed hostnames', () => {
  it('match exactly, or a wildcard’s apex and subdomains; none listed allows any', () => {
    expect(hostAllowed(['shop.test'], 'shop.test')).toBe(true);
    expect(hostAllowed(['shop.test'], 'SHOP.test.')).toBe(true);
    expect(hostAllowed(['shop.test'], 'eu.shop.test')).toBe(false);
    expect(hostAllowed(['*.shop.test'], 'eu.shop.test')).toBe(true);
    expect(hostAllowed(['*.shop.test'], 'shop.test')).toBe(true);
    expect(hostAllowed(['*.shop.test'], 'evilshop.test')).toBe(false);
    expect(hostAllowed(['shop.test'], 'shop.test.evil.example')).toBe(false);
    expect(hostAllowed([], 'anything.example')).toBe(true);
    expect(hostAllowed(undefined, '')).toBe(true);
  });
});
