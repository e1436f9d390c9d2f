import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
};

export type ServeOutcome = 'served' | 'missing' | 'directory';

/**
 * Serves `relativePath` from `root`. A folder asked for without its trailing slash
 * answers 'directory' so the caller can redirect (relative links need the slash);
 * paths that climb out of `root` are 'missing'.
 */
export async function serveFile(res: ServerResponse, root: string, relativePath: string): Promise<ServeOutcome> {
  const decoded = safeDecode(relativePath);
  if (decoded === undefined || decoded.includes('\0')) return 'missing';
  let file = normalize(join(root, decoded));
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return 'missing';
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    if (decoded && !decoded.endsWith('/')) return 'directory';
    file = join(file, 'index.html');
    info = await stat(file).catch(() => undefined);
  }
  if (!info?.isFile()) return 'missing';
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': 'no-cache',
  });
  // pipeline, not pipe: a file that vanishes mid-rebuild or a client that hangs up must
  // end this response, not crash the process or leak the descriptor.
  pipeline(createReadStream(file), res, () => {});
  return 'served';
}

function safeDecode(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
