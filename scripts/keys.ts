/**
 * `npm run keys -- create --name N --scope S [--scope S]… [--site X]… | list | revoke <name>`
 * Mints, lists and revokes API keys through the admin API (scripts/admin-client.ts).
 * `create` prints the new key alone on the last line of standard output: it is shown once.
 */
import { adminCall, dataOf, main, parseCommand } from './admin-client.js';

const USAGE = `Usage: npm run keys -- <command> [--endpoint URL] [--key ADMIN_KEY]
  create --name NAME --scope read|backfill|admin [--scope …] [--site SITE]...
                      mint a key (every site unless --site is given); it is printed once
  list                every key, revoked ones included
  revoke <name>       revoke a key; every collector refuses it within a minute`;

await main(async () => {
  const { command, args, values, options, help } = parseCommand(process.argv.slice(2), { name: {}, scope: { multiple: true }, site: { multiple: true } });
  if (help || !command) return console.log(USAGE);
  if (command === 'create') {
    const sites = (values.site as string[] | undefined) ?? [];
    const data = dataOf(
      await adminCall(options, 'POST', '/api/keys', { name: values.name, scopes: values.scope ?? [], ...(sites.length ? { sites } : {}) }),
    );
    console.log(`Created key ${data.name}: scopes ${data.scopes.join(', ')}; sites ${data.sites?.join(', ') ?? 'all'}. It is shown this once:`);
    return console.log(data.key);
  }
  if (command === 'list') {
    const data = dataOf(await adminCall(options, 'GET', '/api/keys'));
    for (const k of data.keys) {
      const state = k.revoked_at ? `revoked ${k.revoked_at}` : `last used ${k.last_used_at ?? 'never'}`;
      console.log(`${k.name}\t${k.scopes.join(',')}\t${k.sites?.join(',') ?? 'all sites'}\t${state}`);
    }
    return;
  }
  const name = args[0] ?? (values.name as string | undefined);
  if (command === 'revoke' && name) {
    const data = dataOf(await adminCall(options, 'DELETE', `/api/keys/${encodeURIComponent(name)}`));
    return console.log(`Revoked ${data.name} at ${data.revoked_at}`);
  }
  console.error(USAGE);
  process.exit(2);
});
