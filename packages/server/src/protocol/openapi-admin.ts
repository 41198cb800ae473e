/**
 * The console's part of the OpenAPI document (issue 16): the logout doctor, the audit log, roles, clients, keys
 * and the live figures. Merged into openApiDocument; every console action is one of these operations (or one
 * of the management API's), which the API-parity test checks.
 */
export function adminOpenApi(errors: Record<string, unknown>) {
  const admin = [{ adminToken: [] }];
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
