import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { configReference } from '../src/config/reference.js';
import { parseConfig } from '../src/config/load.js';

it('docs/configuration.md is generated from the schema and fresh (npx adieu config-reference > docs/configuration.md)', () => {
  const onDisk = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  expect(onDisk).toBe(configReference());
});

it('unknown keys and bad values are refused with an error naming the field and why', () => {
  expect(() => parseConfig({ issuer: 'http://localhost:1', sesion: {} })).toThrow(/sesion/);
  expect(() => parseConfig({ issuer: 'http://localhost:1', session: { idle: -1 } })).toThrow(/session\.idle/);
  expect(() => parseConfig({ issuer: 'not a url' })).toThrow(/issuer/);
  expect(() => parseConfig({ issuer: 'http://localhost:1', database: 'mysql://x' })).toThrow(
    /database: must be sqlite/,
  );
  expect(() =>
    parseConfig({
      issuer: 'http://localhost:1',
      clients: [
        { client_id: 'a', client_secret: 'x', redirect_uris: ['https://a/cb'] },
        { client_id: 'a', client_secret: 'x', redirect_uris: ['https://a/cb'] },
      ],
    }),
  ).toThrow(/clients\.1\.client_id: duplicate/);
  expect(() =>
    parseConfig(
      {
        issuer: 'http://localhost:1',
        clients: [{ client_id: 'a', client_secret: '${NOPE_NOT_SET}', redirect_uris: ['https://a/cb'] }],
      },
      '.',
      {},
    ),
  ).toThrow(/NOPE_NOT_SET/);
  const c = parseConfig(
    {
      issuer: 'http://localhost:1',
      clients: [{ client_id: 'a', client_secret: '${S}', redirect_uris: ['https://a/cb'] }],
    },
    '.',
    { S: 'from-env' },
  );
  expect(c.clients[0]!.client_secret).toBe('from-env');
  expect(Object.isFrozen(c)).toBe(true);
});
