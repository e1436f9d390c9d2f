/**
 * The script tag a site owner pastes. The tracker posts to its own origin by default, so
 * when the API lives elsewhere (config.json's apiBase) the tag names the endpoint.
 */
export function installSnippet(site: string, pageOrigin: string, apiBase: string): string {
  const endpoint = /^https?:\/\//.test(apiBase) && !apiBase.startsWith(pageOrigin) ? ` data-endpoint="${attr(`${apiBase}/api/events`)}"` : '';
  return `<script defer src="${attr(pageOrigin)}/sdk/liveinsight.js" data-site="${attr(site)}"${endpoint}></script>`;
}

/** The snippet is shown as text, but a user pastes it into HTML: quotes in a site id must not break it. */
function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
