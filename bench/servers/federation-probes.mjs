/**
 * Federation set-up and checks inside an Adieu bench child (bench/servers/adieu.mjs), for the inbound upstream
 * logout measurement: SSO sessions bound to an upstream identity, made through the provider's own session
 * service and federation store (what a sign-in through a connection leaves behind), and a count of those still
 * live afterwards. Never timed.
 */
const UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

export function federationProbes(server) {
  return {
    /**
     * For each group `{ sub, sid, n }`: `n` SSO sessions of `username`, each with one participant (`clientId`),
     * bound to upstream (`connectionId`, `iss`, `sub`, `sid`). Returns how many were made.
     */
    async bindUpstreamSessions({ connectionId, iss, username, clientId, groups }) {
      const { store, sessions } = server().provider;
      const user = await store.users.findByUsername(username);
      let made = 0;
      for (const g of groups) {
        for (let i = 0; i < g.n; i++) {
          const { session } = await sessions.create({
            userId: user.id,
            rememberMe: false,
            ip: '127.0.0.1',
            userAgent: UA,
          });
          await store.sessions.addParticipant(session.sid, clientId, Date.now());
          await store.federation.bindSession({
            sid: session.sid,
            connection_id: connectionId,
            upstream_iss: iss,
            upstream_sub: g.sub,
            upstream_sid: g.sid ?? null,
            id_token: null,
            id_token_expires_at: null,
            refresh_token: null,
            end_session_endpoint: null,
            created_at: Date.now(),
          });
          made++;
        }
      }
      return made;
    },
    /** How many SSO sessions bound to these upstream groups are still live. */
    async liveBoundSessions({ connectionId, iss, groups }) {
      const { store } = server().provider;
      let live = 0;
      for (const g of groups) {
        const by = g.sid ? { sid: g.sid } : { sub: g.sub };
        live += (await store.federation.liveSessionsBoundTo(connectionId, iss, by, Date.now())).length;
      }
      return live;
    },
  };
}
