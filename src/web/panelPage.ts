import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { HttpResponseInit } from '@azure/functions';

/**
 * The panel page: three static files (src/web/static, copied to dist/web by the build) served by one route. Its
 * Content-Security-Policy allows nothing but this origin: no CDN, no inline script or style, no framing.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const assets: Readonly<Record<string, string>> = {
  'panel.html': 'text/html; charset=utf-8',
  'panel.css': 'text/css; charset=utf-8',
  'panel.js': 'text/javascript; charset=utf-8',
};

/** The bundle runs from dist/ (files in dist/web); the sources from src/web (files in src/web/static). */
function assetDirectory(): string {
  const candidates = [path.join(__dirname, 'web'), path.join(__dirname, 'static')];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'panel.html')));
  if (found === undefined) {
    throw new Error(
      `The panel page's files are missing (looked in ${candidates.join(', ')}); run npm run build.`,
    );
  }
  return found;
}

const cache = new Map<string, string>();

/** `asset` is the route's optional segment: none for the page, or one of its files. */
export function servePanelAsset(asset: string | undefined): HttpResponseInit {
  const name = asset === undefined || asset === '' ? 'panel.html' : asset;
  const contentType = assets[name];
  const headers = {
    'content-security-policy': contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  if (contentType === undefined) {
    return {
      status: 404,
      headers,
      jsonBody: {
        error: { code: 'not_found', message: `No file '${name}' here; the page is GET /api/panel.` },
      },
    };
  }
  let body = cache.get(name);
  if (body === undefined) {
    body = readFileSync(path.join(assetDirectory(), name), 'utf8');
    cache.set(name, body);
  }
  return {
    status: 200,
    headers: { ...headers, 'content-type': contentType, 'cache-control': 'no-cache' },
    body,
  };
}
