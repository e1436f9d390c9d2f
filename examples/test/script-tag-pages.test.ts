import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SITE = fileURLToPath(new URL('../script-tag/', import.meta.url));
const pages = readdirSync(SITE).filter((name) => name.endsWith('.html'));
const source = (page: string) => readFileSync(SITE + page, 'utf8');

const unescape = (html: string) =>
  html.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&');
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
const codeBlocks = (html: string) => [...html.matchAll(/<pre><code>([\s\S]*?)<\/code><\/pre>/g)].map((m) => unescape(m[1]!));

/** The SDK README's pre-load stub, so the example cannot drift from the documented one. */
const STUB = /<script>(window\.liveinsight\|\|function[^<]*)<\/script>/;
const SDK_README = fileURLToPath(new URL('../../packages/sdk/README.md', import.meta.url));

describe('script-tag example pages', () => {
  it('has the pages the walk-through links to', () => {
    expect(pages.sort()).toEqual(['404.html', 'docs.html', 'index.html', 'pricing.html']);
  });

  it.each(pages)('%s loads the stub and the tracker with the extras, and says what it demonstrates', (page) => {
    const html = source(page);
    expect(html).toMatch(STUB);
    expect(html).toContain('<script defer src="/sdk/liveinsight.ext.js" data-site="script-tag.example" data-allow-localhost></script>');
    expect(html).toMatch(/<section class="demo" id="demo-[a-z0-9-]+">\s*<h2>This page: /);
  });

  it.each(pages)('%s shows exactly the code it runs', (page) => {
    const html = source(page);
    const blocks = codeBlocks(html);
    expect(blocks.length).toBeGreaterThan(0);
    const outsideBlocks = squash(html.replace(/<pre><code>[\s\S]*?<\/code><\/pre>/g, ''));
    for (const block of blocks) expect(outsideBlocks).toContain(squash(block));
  });

  it('uses the pre-load stub documented in the SDK README', () => {
    const documented = readFileSync(SDK_README, 'utf8').match(STUB)?.[1];
    expect(documented).toBeDefined();
    for (const page of pages) expect(source(page).match(STUB)?.[1]).toBe(documented);
  });

  it.each(pages)('%s links only to files that exist', (page) => {
    const links = [...source(page).matchAll(/(?:href|src)="([^"#]+)"/g)].map((m) => m[1]!);
    for (const link of links.filter((l) => !/^((https?:)?\/\/|data:|\/)/.test(l))) {
      const target = link === './' ? 'index.html' : link;
      expect(existsSync(SITE + target), `${page} → ${link}`).toBe(true);
    }
  });
});
