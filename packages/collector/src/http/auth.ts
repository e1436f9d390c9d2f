
/** Header lookup that ignores case: API Gateway keeps the client's spelling. */
export function header(headers: Record<string, string | undefined> | null, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === wanted) return headers[key];
  }
  return undefined;
}

/** The key a request carries: `X-API-Key`, or `Authorization: Bearer …` (the share links' way). */
export function keyOf(headers: Record<string, string | undefined> | null): string | undefined {
  const direct = header(headers, 'x-api-key')?.trim();
  if (direct) return direct;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header(headers, 'authorization') ?? '');
  return bearer?.[1];
}
