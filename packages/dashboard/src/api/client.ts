import type {
  Envelope,
  KeyData,
  RealtimeData,
  SiteSettings,
  SiteSettingsData,
  SitesData,
  StatsData,
} from '@liveinsight/contract';
import { normalizeKey, normalizeQuery, normalizeRealtime, normalizeSiteSettings, normalizeStats } from './normalize.js';
import type { QueryAnswer, QueryBody } from './query.js';

/** A failed API call. `status` is the HTTP status, or 0 when the API could not be reached. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The key is missing or wrong: the dashboard asks for it. */
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface DashboardConfig {
  /** Where the API lives; empty means the dashboard's own origin. */
  apiBase: string;
}

type Fetch = typeof fetch;

/**
 * Reads config.json beside index.html. It is shipped with `{"apiBase": ""}`; a deployment
 * that serves the API from another origin (or an API Gateway stage) rewrites it.
 */
export async function loadConfig(fetchImpl: Fetch = fetch): Promise<DashboardConfig> {
  try {
    const response = await fetchImpl('config.json', { cache: 'no-cache' });
    if (!response.ok) return { apiBase: '' };
    const body = (await response.json()) as Partial<DashboardConfig>;
    const apiBase = typeof body.apiBase === 'string' ? body.apiBase.trim().replace(/\/+$/, '') : '';
    return { apiBase };
  } catch {
    return { apiBase: '' };
  }
}

export interface ApiClient {
  readonly base: string;
  sites(): Promise<SitesData>;
  stats(query: URLSearchParams): Promise<StatsData>;
  /** `filters` as the chips write them (`[!|~]dimension:value`), on the dimensions a live session holds. */
  realtime(siteId: string, minutes?: number, filters?: readonly string[]): Promise<RealtimeData>;
  /** POST /api/v2/query: Plausible's shape, so its answer and its errors (`{"error": …}`) come without the envelope. */
  query(body: QueryBody): Promise<QueryAnswer>;
  /** What the key in use may do (GET /api/key); a 404 means the collector predates scopes. */
  key(): Promise<KeyData>;
  settings(siteId: string): Promise<SiteSettingsData>;
  /**
   * Replaces the site's settings with `settings`, sent with `adminKey` instead of the read
   * key. The admin key is an argument, not state, so that nothing outlives the request.
   */
  saveSettings(siteId: string, settings: SiteSettings, adminKey: string): Promise<SiteSettingsData>;
}

export interface ApiClientOptions {
  apiBase: string;
  /** Read on every call, so a key entered after start-up is used at once. */
  key: () => string | undefined;
  fetch?: Fetch;
}

export function createApiClient({ apiBase, key, fetch: fetchImpl = (...args) => fetch(...args) }: ApiClientOptions): ApiClient {
  const base = apiBase.replace(/\/+$/, '');

  async function request<T>(
    path: string,
    {
      query,
      method = 'GET',
      body,
      apiKey = key(),
      bare = false,
    }: { query?: URLSearchParams; method?: 'GET' | 'PUT' | 'POST'; body?: unknown; apiKey?: string; bare?: boolean } = {},
  ): Promise<T> {
    const url = `${base}/api/${path}${query ? `?${query}` : ''}`;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (apiKey) headers['X-API-Key'] = apiKey;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetchImpl(url, { method, headers, cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (cause) {
      throw new ApiError(0, `Cannot reach the API at ${base || 'this site'}. Is the collector running?`, { cause });
    }
    let answer: (Envelope<T> & { error?: unknown }) | undefined;
    try {
      answer = (await response.json()) as Envelope<T>;
    } catch {
      answer = undefined;
    }
    if (bare && answer && response.ok) return answer as T;
    if (!bare && answer?.status === 'success' && response.ok) return answer.data;
    // v2 says what went wrong in `error`; routes it does not have (an older collector) answer in the envelope.
    const said = (bare ? answer?.error : undefined) ?? (answer?.status === 'error' ? answer.message : undefined);
    const message = typeof said === 'string' && said ? said : `Unexpected answer from the API (HTTP ${response.status})`;
    throw new ApiError(response.ok ? 502 : response.status, message);
  }

  const get = <T>(path: string, query?: URLSearchParams) => request<T>(path, { query });
  const settingsPath = (siteId: string) => `sites/${encodeURIComponent(siteId)}/settings`;

  return {
    base,
    sites: async () => {
      const data = await get<Partial<SitesData>>('sites');
      return { sites: Array.isArray(data.sites) ? data.sites : [] };
    },
    stats: async (query) => normalizeStats(await get<Partial<StatsData>>('stats', query)),
    realtime: async (siteId, minutes = 5, filters = []) =>
      normalizeRealtime(
        await get<Partial<RealtimeData>>('realtime', new URLSearchParams([['site_id', siteId], ['minutes', String(minutes)], ...filters.map((f) => ['filter', f])])),
      ),
    query: async (body) => normalizeQuery(await request<Partial<QueryAnswer>>('v2/query', { method: 'POST', body, bare: true })),
    key: async () => normalizeKey(await get<Partial<KeyData>>('key')),
    settings: async (siteId) => normalizeSiteSettings(await get<Partial<SiteSettingsData>>(settingsPath(siteId)), siteId),
    saveSettings: async (siteId, settings, adminKey) =>
      normalizeSiteSettings(
        await request<Partial<SiteSettingsData>>(settingsPath(siteId), { method: 'PUT', body: settings, apiKey: adminKey }),
        siteId,
      ),
  };
}
