import { describe, expect, it } from 'vitest';
import { cleanUrl } from '../../src/lib/url.js';

const clean = (href: string, keepHash?: boolean) => cleanUrl(new URL(href), keepHash);

describe('cleanUrl', () => {
  it('keeps the full URL with only the utm_* parameters, in their order', () => {
    expect(clean('https://shop.example/p/1?id=7&utm_source=news&token=x&utm_medium=mail')).toBe(
      'https://shop.example/p/1?utm_source=news&utm_medium=mail',
    );
    expect(clean('https://shop.example/?utm_campaign=spring&q=shoes')).toBe('https://shop.example/?utm_campaign=spring');
  });

  it('drops the query entirely when nothing is left, and the hash unless asked to keep it', () => {
    expect(clean('https://shop.example/search?q=red+shoes#results')).toBe('https://shop.example/search');
    expect(clean('https://shop.example/#/cart?step=2', true)).toBe('https://shop.example/#/cart?step=2');
    expect(clean('https://shop.example/app?&utm_source=x#/a', true)).toBe('https://shop.example/app?utm_source=x#/a');
  });

  it('does not mistake a parameter that merely contains utm_ for one', () => {
    expect(clean('https://shop.example/?x_utm_source=1&utm_content=2')).toBe('https://shop.example/?utm_content=2');
  });
});
