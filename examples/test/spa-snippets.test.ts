import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { redactEmails } from '../spa/src/redact.js';

const SRC = fileURLToPath(new URL('../spa/src/', import.meta.url));
const read = (file: string) => readFileSync(SRC + file, 'utf8');
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The code shown in each page's box: the third argument of every `demo(…)` call in views.ts. */
const snippets = [...read('views.ts').matchAll(/demo\(\s*'[^']*',\s*'[^']*',\s*`((?:[^`\\]|\\.)*)`/g)].map((m) =>
  m[1]!.replace(/\\(.)/g, '$1'),
);

describe('SPA example', () => {
  it('shows in each box code that the app really runs', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(5);
    // The real code, without the template literals that hold the snippets themselves.
    const sources = readdirSync(SRC)
      .filter((file) => file.endsWith('.ts') && !file.includes('type-test'))
      .map((file) => (file === 'views.ts' ? read(file).replace(/`(?:[^`\\]|\\.)*`/g, '``') : read(file)))
      .map(squash)
      .join('\n');
    for (const snippet of snippets) {
      // A box may show two excerpts, separated by a blank line.
      for (const excerpt of snippet.split(/\n\s*\n/)) expect(sources, excerpt).toContain(squash(excerpt));
    }
  });

  it('removes e-mail addresses, raw or percent-encoded, and nothing else', () => {
    expect(redactEmails('https://shop.example/users/ada@example.com')).toBe('https://shop.example/users/[email]');
    expect(redactEmails('https://shop.example/users/ada.lovelace%2Bnews%40mail.example.co.uk/settings')).toBe(
      'https://shop.example/users/[email]/settings',
    );
    expect(redactEmails('https://shop.example/?utm_source=a@b.io&utm_medium=email')).toBe('https://shop.example/?utm_source=[email]&utm_medium=email');
    expect(redactEmails('https://shop.example/products/kettle?utm_campaign=spring@2025')).toBe(
      'https://shop.example/products/kettle?utm_campaign=spring@2025',
    );
    expect(redactEmails('')).toBe('');
  });
});
