/**
 * A site's settings document: what it may hold, checked key by key, so that a bad
 * document is a 400 naming the field. PUT replaces the whole document. Keys whose feature
 * is not built yet (goals, funnels, reports, alerts) are checked for their outer shape
 * and stored as given; the work that reads them checks the rest.
 */
import { HOSTNAME, MAX_HOSTNAMES, MAX_SETTINGS_BYTES, SETTINGS_KEYS, type SiteSettings } from '@liveinsight/contract';
import { BadRequestError, PayloadTooLargeError } from '../errors.js';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(field: string, message: string): never {
  throw new BadRequestError(`settings.${field} ${message}`);
}

export function parseHostnames(value: unknown, field = 'hostnames'): string[] {
  if (!Array.isArray(value)) fail(field, 'must be a list of hostnames');
  if (value.length > MAX_HOSTNAMES) fail(field, `may hold at most ${MAX_HOSTNAMES} hostnames`);
  return [
    ...new Set(
      value.map((host, i) => {
        const normal = typeof host === 'string' ? host.trim().toLowerCase().replace(/\.$/, '') : '';
        if (!HOSTNAME.test(normal)) fail(`${field}[${i}]`, 'must be a hostname like example.com or *.example.com');
        return normal;
      }),
    ),
  ];
}

function validTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function listOfObjects(value: unknown, field: string, max: number): Record<string, unknown>[] {
  if (!Array.isArray(value)) fail(field, 'must be a list');
  if (value.length > max) fail(field, `may hold at most ${max} entries`);
  value.forEach((entry, i) => {
    if (!isObject(entry)) fail(`${field}[${i}]`, 'must be an object');
  });
  return value as Record<string, unknown>[];
}

function booleanField(object: Record<string, unknown>, field: string, key: string): void {
  if (object[key] !== undefined && typeof object[key] !== 'boolean') fail(`${field}.${key}`, 'must be true or false');
}

function onlyKeys(object: Record<string, unknown>, field: string, allowed: readonly string[]): void {
  const unknown = Object.keys(object).find((key) => !allowed.includes(key));
  if (unknown !== undefined) fail(`${field}.${unknown}`, `is not a known setting (${allowed.join(', ')})`);
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** The document a PUT sends, checked; throws a 400 naming the first bad field. */
export function parseSettings(body: unknown): SiteSettings {
  if (!isObject(body)) throw new BadRequestError('settings must be a JSON object');
  if (Buffer.byteLength(JSON.stringify(body), 'utf8') > MAX_SETTINGS_BYTES) {
    throw new PayloadTooLargeError(`settings are larger than ${MAX_SETTINGS_BYTES} bytes`);
  }
  const unknown = Object.keys(body).find((key) => !(SETTINGS_KEYS as readonly string[]).includes(key));
  if (unknown !== undefined) throw new BadRequestError(`settings.${unknown} is not a known setting (${SETTINGS_KEYS.join(', ')})`);
  const settings: SiteSettings = {};
  if (body.hostnames !== undefined) settings.hostnames = parseHostnames(body.hostnames);
  if (body.timezone !== undefined) {
    if (typeof body.timezone !== 'string' || !validTimezone(body.timezone)) fail('timezone', 'must be an IANA time zone such as Europe/Berlin');
    settings.timezone = body.timezone;
  }
  if (body.goals !== undefined) settings.goals = listOfObjects(body.goals, 'goals', 100);
  if (body.funnels !== undefined) settings.funnels = listOfObjects(body.funnels, 'funnels', 100);
  if (body.reports !== undefined) {
    const reports = body.reports;
    if (!isObject(reports)) fail('reports', 'must be an object');
    onlyKeys(reports, 'reports', ['weekly', 'monthly', 'recipients']);
    booleanField(reports, 'reports', 'weekly');
    booleanField(reports, 'reports', 'monthly');
    const recipients = reports.recipients;
    if (recipients !== undefined && (!Array.isArray(recipients) || !recipients.every((r) => typeof r === 'string' && EMAIL.test(r)))) {
      fail('reports.recipients', 'must be a list of email addresses');
    }
    settings.reports = reports as NonNullable<SiteSettings['reports']>;
  }
  if (body.alerts !== undefined) {
    const alerts = body.alerts;
    if (!isObject(alerts)) fail('alerts', 'must be an object');
    onlyKeys(alerts, 'alerts', ['spike_visitors_10m', 'drop_hours']);
    for (const key of ['spike_visitors_10m', 'drop_hours'] as const) {
      const value = alerts[key];
      if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) fail(`alerts.${key}`, 'must be a positive whole number');
    }
    settings.alerts = alerts as NonNullable<SiteSettings['alerts']>;
  }
  return settings;
}

/** A stored document, as written by parseSettings. */
export function storedSettings(json: string | undefined): SiteSettings {
  if (!json) return {};
  try {
    const value: unknown = JSON.parse(json);
    return isObject(value) ? (value as SiteSettings) : {};
  } catch {
    return {};
  }
}

/** Whether a page's hostname may send events for a site with these hostnames (none listed: any). */
export function hostAllowed(hostnames: readonly string[] | undefined, host: string): boolean {
  if (!hostnames?.length) return true;
  const normal = host.toLowerCase().replace(/\.$/, '');
  return hostnames.some((allowed) => {
    if (!allowed.startsWith('*.')) return normal === allowed;
    const apex = allowed.slice(2);
    return normal === apex || normal.endsWith(`.${apex}`);
  });
}
