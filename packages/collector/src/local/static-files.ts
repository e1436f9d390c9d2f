import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { extname, join, relative, sep } from 'node:path';

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

export type ServeOutcome = 'served' | 'missing' | 'directory' | 'refused';

/**
 * Serves `relativePath` from `root`. A folder asked for without its trailing slash
 * answers 'directory' so the caller can redirect (relative links need the slash). Paths
 * that climb out of `root`, even through a symlink, and dotfiles are 'refused': the
 * caller answers 404 without trying anything else for them.
 */
export async function serveFile(res: ServerResponse, root: string, relativePath: string): Promise<ServeOutcome> {
  const decoded = safeDecode(relativePath);
  if (decoded === undefined || decoded.includes('\0') || hasDotSegment(decoded)) return 'refused';
  const realRoot = await realpath(root).catch(() => undefined);
  if (!realRoot) return 'missing';
  let file = await resolveInside(realRoot, join(realRoot, decoded));
  if (file === 'missing' || file === 'refused') return file;
  let info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) {
    if (decoded && !decoded.endsWith('/')) return 'directory';
    file = await resolveInside(realRoot, join(file, 'index.html'));
    if (file === 'missing' || file === 'refused') return file;
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

/**
 * The real path of `path` when it lies inside `realRoot` and is no dotfile there.
 * Containment is checked on real paths, since a lexical check lets a symlink under the
 * root (examples/leak -> /etc/passwd) lead anywhere.
 */
async function resolveInside(realRoot: string, path: string): Promise<string | 'missing' | 'refused'> {
  const real = await realpath(path).catch(() => undefined);
  if (real === undefined) return 'missing';
  if (real === realRoot) return real;
  if (!real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) return 'refused';
  return hasDotSegment(relative(realRoot, real)) ? 'refused' : real;
}

/** `.env`, `.git/`, editors' swap files: never served, `..` refused with them. */
function hasDotSegment(path: string): boolean {
  return path.split(/[\\/]/).some((segment) => segment.startsWith('.'));
}

function safeDecode(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}
