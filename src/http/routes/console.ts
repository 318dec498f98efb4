import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HubError } from '../../errors.js';
import type { RouteModule } from '../types.js';

/**
 * Serves the DPO console (src/console: static HTML, ES modules and CSS, no
 * build step) at /console/. Files are read once at start-up into memory and
 * only those names are served, so no request path ever reaches the file
 * system. The console needs no sign-in to load: it holds no data; every
 * figure comes from /v1/audit with the DPO's bearer token.
 *
 * Content Security Policy (CSP Level 3): only this origin, no inline script
 * or style, no plug-ins, not framable, and Trusted Types required so that no
 * string can ever be parsed as HTML by the page (it builds the DOM node by
 * node). Helmet's default CSP is replaced on these responses by this stricter one.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Where the console's files are: beside the compiled code if copied there, else in the source tree. */
export function consoleDirectory(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../console'), path.resolve(here, '../../../src/console')];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
  if (!found) throw new TypeError('the DPO console files (src/console/index.html) are missing');
  return found;
}

function loadFiles(directory: string): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>();
  const walk = (dir: string, prefix: string) => {
    for (const item of readdirSync(dir, { withFileTypes: true })) {
      if (item.isDirectory()) {
        walk(path.join(dir, item.name), `${prefix}${item.name}/`);
        continue;
      }
      const type = TYPES[path.extname(item.name)];
      if (!type || item.name.endsWith('.test.ts')) continue;
      files.set(`${prefix}${item.name}`, { type, body: readFileSync(path.join(dir, item.name)) });
    }
  };
  walk(directory, '');
  return files;
}

export function consoleRoutes(options: { directory?: string } = {}): RouteModule {
  const files = loadFiles(options.directory ?? consoleDirectory());
  if (!files.has('index.html')) throw new TypeError('the DPO console has no index.html');
  return (router, deps) => {
    // A regular expression: a string path would also match '/console/' (express is not strict) and loop.
    router.get(/^\/console$/, (_req, res) => {
      res.redirect(301, '/console/');
    });
    router.get(/^\/console\/(.*)$/, (req, res) => {
      const name = (req.params as Record<string, string>)[0] || 'index.html';
      const file = files.get(name);
      if (!file) throw new HubError('NOT_FOUND', 'no such resource');
      res.setHeader('Content-Security-Policy', CONSOLE_CSP);
      // Revalidate every time so a hub upgrade never mixes old and new modules.
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.type(file.type).send(file.body);
    });
    deps.registerOperation({
      method: 'get',
      path: '/console/',
      summary: 'The DPO web console (static; signs in with the link from `isp-hub dpo token`)',
      tags: ['console'],
      security: 'none',
      responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
    });
  };
}
