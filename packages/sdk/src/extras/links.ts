const DOWNLOAD =
  /\.(7z|avi|csv|dmg|docx?|epub|exe|gz|iso|key|midi?|mov|mp[34]|mpe?g|msi|pdf|pkg|pp[st]x?|rar|rtf|tar|txt|wav|webm|wm[av]|xlsx?|xml|zip)$/i;

/**
 * The extra event a click on `link` records: `download` for a file (by extension or
 * `<a download>`), `outbound` for an http(s) link to another host. The url prop is
 * origin + path: query strings of download links often carry signed tokens.
 */
export const linkEvent = (
  link: HTMLAnchorElement,
  downloads?: boolean,
  outbound?: boolean,
): [type: 'download' | 'outbound', url: string] | undefined => {
  const url = new URL(link.href);
  const path = (url.origin + url.pathname).slice(0, 500);
  if (downloads && (link.hasAttribute('download') || DOWNLOAD.test(url.pathname))) return ['download', path];
  if (outbound && url.host != location.host && url.protocol.startsWith('http')) return ['outbound', path];
};
