import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { openApiDocument } from '../src/protocol/openapi.js';

/** API parity (issue 16): every API call the console makes is an operation of the documented API. */
describe('the console uses only the documented API', () => {
  it('every c.api(METHOD, path) in the console pages is in the OpenAPI document', () => {
    const source = readFileSync(new URL('../src/admin/console-pages.ts', import.meta.url), 'utf8');
    const calls = [
      ...source.matchAll(
        /c\.api(?:<[^>]*>)?\(\s*'(\w+)',\s*[`']\/api\/v1([^`'?$]*(?:\$\{[^}]*\}[^`'?$]*)*)/g,
      ),
    ];
    expect(calls.length).toBeGreaterThan(15);
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
