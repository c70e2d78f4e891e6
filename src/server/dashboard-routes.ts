import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** The dashboard's own files (web/dashboard) and the chart libraries it loads, by URL path. */
const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

/** Vega, Vega-Lite and vega-embed, served from node_modules: the page needs no CDN and works offline. */
const VENDOR_FILES: Record<string, string> = {
  '/dashboard/vendor/vega.min.js': 'vega/build/vega.min.js',
  '/dashboard/vendor/vega-lite.min.js': 'vega-lite/build/vega-lite.min.js',
  '/dashboard/vendor/vega-embed.min.js': 'vega-embed/build/vega-embed.min.js',
};

/** web/dashboard, found upwards from this file (src/server in a checkout, dist/src/server once built). */
function dashboardDir(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'web', 'dashboard');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** A file of an installed package, looked up in node_modules upwards from this file (the packages do not export their build files). */
function vendorFile(spec: string): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'node_modules', spec);
    if (existsSync(candidate)) return candidate;
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

export async function registerDashboard(app: FastifyInstance): Promise<void> {
  const dir = dashboardDir();
  const cache = new Map<string, Buffer>();
  const serve = (url: string, file: string | null, type: string) =>
    app.get(url, async (_request, reply) => {
      if (!file) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `${url} is not installed with this copy of hourglass` } });
      let bytes = cache.get(file);
      if (!bytes) cache.set(file, (bytes = await readFile(file)));
      return reply.type(type).header('cache-control', 'no-cache').send(bytes);
    });
  for (const [url, { file, type }] of Object.entries(PAGE_FILES)) serve(url, dir ? path.join(dir, file) : null, type);
  for (const [url, spec] of Object.entries(VENDOR_FILES)) serve(url, vendorFile(spec), 'text/javascript; charset=utf-8');
}
