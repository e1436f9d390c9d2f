import type { DemoSession } from './generate.js';

export interface SendOptions {
  /** Base URL of the stack, e.g. http://127.0.0.1:3000 (no trailing /api). */
  apiUrl: string;
  apiKey: string;
  /** Sessions sent at the same time; each session's requests stay in order. */
  concurrency: number;
  onProgress?: (progress: SendProgress) => void;
  /** Attempts per request when the collector answers 429/503 or the connection drops. */
  maxAttempts?: number;
}

export interface SendProgress {
  sessionsDone: number;
  sessionsTotal: number;
  requests: number;
  events: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  retries: number;
}

export interface SendResult extends SendProgress {
  /** Rejection reasons from the collector with how often each came back. */
  rejectReasons: Map<string, number>;
}

/** The collector refused the key, or the request itself: retrying cannot help. */
export class DemoRequestError extends Error {
  override name = 'DemoRequestError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Nothing answers at the URL, or the connection kept failing. */
export class DemoConnectionError extends Error {
  override name = 'DemoConnectionError';
}

interface EventsResponse {
  status: 'success' | 'error';
  message?: string;
  data?: { accepted?: number; duplicates?: number; rejected?: { index: number; reason: string }[] };
}

/**
 * Sends every session through POST /api/events as its visitor's browser would, in the
 * session's batches, with the visitor's User-Agent, address (X-Forwarded-For, as
 * CloudFront forwards it) and country (CloudFront-Viewer-Country), plus X-API-Key so the
 * collector keeps the historical timestamps.
 */
export async function sendTraffic(sessions: readonly DemoSession[], options: SendOptions): Promise<SendResult> {
  const result: SendResult = {
    sessionsDone: 0,
    sessionsTotal: sessions.length,
    requests: 0,
    events: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    retries: 0,
    rejectReasons: new Map(),
  };
  const endpoint = `${options.apiUrl.replace(/\/+$/, '')}/api/events`;
  let next = 0;
  const worker = async () => {
    while (next < sessions.length) {
      const session = sessions[next++]!;
      for (const batch of session.batches) {
        const body = await postBatch(endpoint, session, batch, options, () => result.retries++);
        result.requests++;
        result.events += batch.length;
        result.accepted += body.data?.accepted ?? 0;
        result.duplicates += body.data?.duplicates ?? 0;
        for (const { reason } of body.data?.rejected ?? []) {
          result.rejected++;
          result.rejectReasons.set(reason, (result.rejectReasons.get(reason) ?? 0) + 1);
        }
      }
      result.sessionsDone++;
      options.onProgress?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return result;
}

async function postBatch(
  endpoint: string,
  session: DemoSession,
  events: DemoSession['batches'][number],
  options: SendOptions,
  onRetry: () => void,
): Promise<EventsResponse> {
  const { visitor } = session;
  const headers: Record<string, string> = {
    // What the tracker sends (text/plain needs no CORS preflight); the collector parses JSON regardless.
    'Content-Type': 'text/plain;charset=UTF-8',
    'User-Agent': visitor.userAgent,
    'Accept-Language': visitor.language,
    'X-Forwarded-For': visitor.ip,
    'X-API-Key': options.apiKey,
  };
  if (visitor.country) headers['CloudFront-Viewer-Country'] = visitor.country.code;
  const maxAttempts = options.maxAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ events, sent_at: Date.now() }),
      });
    } catch (error) {
      if (attempt >= maxAttempts) {
        throw new DemoConnectionError(`POST ${endpoint} failed ${attempt} times: ${describe(error)}`);
      }
      onRetry();
      await sleep(backoff(attempt));
      continue;
    }
    const body = (await response.json().catch(() => ({ status: 'error', message: 'response is not JSON' }))) as EventsResponse;
    if (response.ok) return body;
    if ((response.status === 429 || response.status >= 500) && attempt < maxAttempts) {
      onRetry();
      const retryAfter = Number(response.headers.get('retry-after'));
      await sleep(retryAfter > 0 ? retryAfter * 1000 : backoff(attempt));
      continue;
    }
    throw new DemoRequestError(`POST ${endpoint} answered ${response.status}: ${body.message ?? 'no message'}`, response.status);
  }
}

/** Exponential backoff with full jitter, capped at 10 s. */
function backoff(attempt: number): number {
  return Math.random() * Math.min(10_000, 250 * 2 ** attempt);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
