import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { openApiDocument } from '../src/protocol/openapi.js';

/** API parity (issue 16): every API call the console makes is an operation of the documented API. */
describe('the console uses only the documented API', () => {
  it('every c.api(METHOD, path) in the console pages is in the OpenAPI document', () => {
    // Every module the console's pages and actions live in (console-pages.ts and the pages it imports).
    const dir = new URL('../src/admin/', import.meta.url);
    const files = readdirSync(dir).filter((f) => /^console-.*\.ts$/.test(f));
    expect(files).toEqual(expect.arrayContaining(['console-pages.ts', 'console-connections.ts']));
    const source = files.map((f) => readFileSync(new URL(f, dir), 'utf8')).join('\n');
    const calls = [
      ...source.matchAll(
        /c\.api(?:<[^>]*>)?\(\s*'(\w+)',\s*[`']\/api\/v1([^`'?$]*(?:\$\{[^}]*\}[^`'?$]*)*)/g,
      ),
    ];
    expect(calls.length).toBeGreaterThan(22);
    // The calls of the console's newer pages are among them (a regex that stopped matching would pass silently).
    const seen = calls.map(([, m, path]) => `${m} ${path}`);
    for (const call of [
      'POST /clients',
      'POST /users/${enc(user)}/resetFactors',
      'GET /connections',
      'GET /connections/${enc(x.id)}/sessions',
    ]) {
      expect(seen, call).toContain(call);
    }
    const doc = openApiDocument('https://id.example') as { paths: Record<string, Record<string, unknown>> };
    const shape = (p: string) =>
      p
        .split('${qs(')[0]!
        .replace(/\$\{[^}]*\}/g, '{}')
        .replace(/\{[^}]*\}/g, '{}')
        .replace(/\/$/, '');
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${shape(path)}`),
      ),
    );
    // A documented {param} matches any one segment of a call (the console passes `admin` as {role}).
    const patterns = [...documented].map((d) => new RegExp(`^${d.replace(/\{\}/g, '[^/]+')}$`));
    for (const [, method, path] of calls) {
      const call = `${method} ${shape(path!)}`;
      expect(
        patterns.some((r) => r.test(call)),
        call,
      ).toBe(true);
    }
  });
});
