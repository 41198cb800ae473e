/**
 * The console's part of the OpenAPI document (issue 16): the logout doctor, the audit log, roles, clients, keys
 * and the live figures. Merged into openApiDocument; every console action is one of these operations (or one
 * of the management API's), which the API-parity test checks.
 */
export function adminOpenApi(errors: Record<string, unknown>) {
  const admin = [{ adminToken: [] }];
  const user = { name: 'user', in: 'path', required: true, schema: { type: 'string' } };
  const role = { name: 'role', in: 'path', required: true, schema: { enum: ['admin'] } };
  const client = { name: 'client', in: 'path', required: true, schema: { type: 'string' } };
  const noContent = { '204': { description: 'Done' }, ...errors };
  const json = (schema: unknown, description: string) => ({
    description,
    content: { 'application/json': { schema } },
  });
  return {
    schemas: {
      DoctorReport: {
        type: 'object',
        description:
          'What a test of the client logout endpoints found. `problems[].check` names each problem (e.g. ' +
          '`accepts_alg_none`, `frontchannel_x_frame_options`, `backchannel_tls_invalid`).',
        required: ['client_id', 'ok', 'problems'],
        properties: {
          client_id: { type: 'string' },
          client_name: { type: 'string' },
          checked_at: { type: 'string', format: 'date-time' },
          ok: { type: 'boolean', description: 'no problem of severity error' },
          backchannel: {
            type: ['object', 'null'],
            description:
              'The test logout token (status, latency, headers, body excerpt) and the negative matrix: alg_none, ' +
              'wrong_aud, wrong_iss, bad_signature, expired, with_nonce, missing_events, replayed_jti; each must get 400',
          },
          frontchannel: {
            type: ['object', 'null'],
            description:
              'The fetched page: framing verdict (X-Frame-Options / frame-ancestors), cookies SameSite',
          },
          problems: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                check: { type: 'string' },
                severity: { enum: ['error', 'warning'] },
                message: { type: 'string' },
              },
            },
          },
        },
      },
    },
    paths: {
      '/users': {
        get: {
          summary: 'Users whose username, name or email contains q, by username; page with after=next',
          security: admin,
          parameters: [
            { name: 'q', in: 'query', schema: { type: 'string', maxLength: 200 } },
            { name: 'after', in: 'query', schema: { type: 'string' } },
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 100, default: 25 },
            },
          ],
          responses: { '200': json({ type: 'object' }, '{ items: [user], next: string | null }'), ...errors },
        },
      },
      '/users/{user}/roles': {
        get: {
          summary: "The user's roles",
          security: admin,
          parameters: [user],
          responses: { '200': json({ type: 'object' }, '{ roles: [string] }'), ...errors },
        },
      },
      '/users/{user}/roles/{role}': {
        put: {
          summary: 'Grant a role (admin opens the console)',
          security: admin,
          parameters: [user, role],
          responses: noContent,
        },
        delete: {
          summary: 'Take a role away (409 for your own admin role)',
          security: admin,
          parameters: [user, role],
          responses: noContent,
        },
      },
      '/audit': {
        get: {
          summary:
            'The audit log, newest first: every admin action (who, what, when, from where) and every logout',
          security: admin,
          parameters: [
            { name: 'actor', in: 'query', schema: { type: 'string' } },
            {
              name: 'action',
              in: 'query',
              schema: { type: 'string' },
              description: 'e.g. logout, user.disable, session.revoke',
            },
            { name: 'target', in: 'query', schema: { type: 'string' } },
            { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'until', in: 'query', schema: { type: 'string', format: 'date-time' } },
            {
              name: 'before',
              in: 'query',
              schema: { type: 'string' },
              description: 'next from the previous page',
            },
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            },
          ],
          responses: {
            '200': json({ type: 'object' }, '{ items: [event], next: string | null }'),
            ...errors,
          },
        },
      },
      '/logouts/search': {
        get: {
          summary: 'Logouts with filters, newest first',
          security: admin,
          parameters: [
            { name: 'user', in: 'query', schema: { type: 'string' } },
            { name: 'client_id', in: 'query', schema: { type: 'string' } },
            { name: 'reason', in: 'query', schema: { type: 'string' } },
            { name: 'outcome', in: 'query', schema: { enum: ['delivered', 'failed', 'pending'] } },
            { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'until', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'before', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 50, default: 20 } },
          ],
          responses: {
            '200': json({ type: 'object' }, '{ items: [Logout], next: string | null }'),
            ...errors,
          },
        },
      },
      '/logouts/{id}/deliveries': {
        get: {
          summary:
            "One logout's back-channel deliveries: ids, every attempt, next retry, the logout token's claims",
          security: admin,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': json({ type: 'array', items: { type: 'object' } }, 'Deliveries'), ...errors },
        },
      },
      '/deliveries/{id}/retry': {
        post: {
          summary: 'Retry now a failed or rejected delivery (409 for any other state)',
          security: admin,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '202': { description: 'Queued' }, ...errors },
        },
      },
      '/clients': {
        get: {
          summary: 'Every client',
          security: admin,
          responses: { '200': json({ type: 'array' }, 'Clients'), ...errors },
        },
        post: {
          summary:
            'Register a client (as `adieu client add` does). A confidential client gets a generated ' +
            'client_secret, in this answer only; post_logout_redirect_uris default to what the SDKs send',
          security: admin,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['client_id'],
                  properties: {
                    client_id: { type: 'string', maxLength: 200 },
                    client_name: { type: 'string' },
                    redirect_uris: { type: 'array', items: { type: 'string' }, maxItems: 50 },
                    post_logout_redirect_uris: { type: 'array', items: { type: 'string' }, maxItems: 50 },
                    backchannel_logout_uri: { type: 'string' },
                    frontchannel_logout_uri: { type: 'string' },
                    token_endpoint_auth_method: {
                      enum: ['client_secret_basic', 'client_secret_post', 'none'],
                      default: 'client_secret_basic',
                      description: '`none`: a public client (browser or native app), no secret',
                    },
                  },
                },
              },
            },
          },
          responses: {
            '201': json({ type: 'object' }, 'The client, with client_secret when it has one (shown once)'),
            '409': json({ $ref: '#/components/schemas/Error' }, 'A client with this client_id exists'),
            ...errors,
          },
        },
      },
      '/clients/{client}': {
        get: {
          summary: 'One client',
          security: admin,
          parameters: [client],
          responses: { '200': json({ type: 'object' }, 'The client'), ...errors },
        },
        patch: {
          summary:
            'Change the logout URIs (backchannel_logout_uri, frontchannel_logout_uri, post_logout_redirect_uris ' +
            'space-separated); if_updated_at from the client as read makes a stale edit fail with 409',
          security: admin,
          parameters: [client],
          responses: { '200': json({ type: 'object' }, 'The client'), ...errors },
        },
      },
      '/clients/{client}/secret': {
        post: {
          summary: 'Rotate the client secret; the new one is in the answer, once',
          security: admin,
          parameters: [client],
          responses: { '200': json({ type: 'object' }, '{ client_id, client_secret }'), ...errors },
        },
      },
      '/users/{user}/security': {
        get: {
          summary:
            'Whether sign-in is locked (password_locked_until, second_factor_locked_until: null when not), the ' +
            "user's second factors (kind, label, created_at, last_used_at; never secrets) and recovery_codes_left",
          security: admin,
          parameters: [user],
          responses: { '200': json({ type: 'object' }, 'Locks and factors'), ...errors },
        },
      },
      '/connections/{id}/sessions': {
        get: {
          summary:
            'Live SSO sessions signed in through this connection (newest first, at most 100): user, device, ' +
            'upstream iss/sub/sid',
          security: admin,
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': json({ type: 'array' }, 'Sessions'), ...errors },
        },
      },
      '/keys': {
        get: {
          summary: 'Signing keys and their state',
          security: admin,
          responses: { '200': json({ type: 'array' }, 'Keys'), ...errors },
        },
      },
      '/keys/rotate': {
        post: {
          summary: 'Publish a new signing key (now=true: it signs at once)',
          security: admin,
          responses: {
            '200': json({ type: 'object' }, '{ kid, sign_from, keys: [{ kid, alg }] } (kid: the RS256 key)'),
            ...errors,
          },
        },
      },
      '/live': {
        get: {
          summary:
            'Outbox depth, failures in the last hour, SSE subscribers, sessions per app and per connection, ' +
            'deliveries of the last 24 h',
          security: admin,
          responses: { '200': json({ type: 'object' }, 'Live figures'), ...errors },
        },
      },
      '/clients/{client}/doctor': {
        post: {
          summary:
            "Test the client's logout endpoints: a well-formed logout token for a synthetic session, the " +
            'conformance negative matrix, front-channel framing and cookies, TLS and redirects',
          security: admin,
          parameters: [{ name: 'client', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': json({ $ref: '#/components/schemas/DoctorReport' }, 'The report'),
            ...errors,
          },
        },
      },
    },
  };
}
