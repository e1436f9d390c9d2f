/**
 * `npm run sites -- add <site> [--hostname example.com]… | list | remove <site>`
 * Registers, lists and deletes sites through the admin API (scripts/admin-client.ts).
 */
import { adminCall, dataOf, main, parseCommand } from './admin-client.js';

const USAGE = `Usage: npm run sites -- <command> [--endpoint URL] [--key ADMIN_KEY]
  add <site> [--hostname HOST]...   register a site; only these hostnames' pages may send its events
  list                              the sites, busiest first
  remove <site>                     delete a site and everything stored for it`;

await main(async () => {
  const { command, args, values, options, help } = parseCommand(process.argv.slice(2), { hostname: { multiple: true } });
  const site = args[0];
  if (help || !command) return console.log(USAGE);
  if (command === 'add' && site) {
    const hostnames = (values.hostname as string[] | undefined) ?? [];
    const data = dataOf(await adminCall(options, 'POST', '/api/sites', { site_id: site, ...(hostnames.length ? { hostnames } : {}) }));
    const allowed = data.settings.hostnames?.join(', ') ?? 'any hostname';
    return console.log(`Added ${data.site_id} (events from: ${allowed})`);
  }
  if (command === 'list') {
    const data = dataOf(await adminCall(options, 'GET', '/api/sites'));
    if (!data.sites.length) return console.log('No sites yet: npm run sites -- add example.com --hostname example.com');
    for (const s of data.sites) console.log(`${s.site_id}\t${s.pageviews_24h} page views in 24 h\tsince ${s.first_seen}`);
    return;
  }
  if (command === 'remove' && site) {
    const data = dataOf(await adminCall(options, 'DELETE', `/api/sites/${encodeURIComponent(site)}`));
    return console.log(`Removed ${data.site_id}: ${data.removed.stats_items} rollup items, ${data.removed.sessions} sessions; taken out of ${data.removed.keys} keys' site lists`);
  }
  console.error(USAGE);
  process.exit(2);
});
