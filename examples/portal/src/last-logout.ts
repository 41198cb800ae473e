import type { FetchLike } from '@adieu/node';
import type { LogoutReport } from '@adieu/server';

/**
 * Reads the provider's logout records for the "last logout" panel of each app. The apps use the demo's admin
 * client (client_credentials, scope admin) for this; a real app would not need it.
 */
export class LastLogout {
  private token: { value: string; until: number } | undefined;

  constructor(
    private readonly issuer: string,
    private readonly clientSecret: string,
    private readonly fetch: FetchLike,
  ) {}

  private async accessToken(): Promise<string> {
    if (this.token && this.token.until > Date.now()) return this.token.value;
    const res = await this.fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`demo-ops:${this.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin' }).toString(),
    });
    if (!res.ok) throw new Error(`admin token: HTTP ${res.status}`);
    const body = (await res.json()) as { access_token: string; expires_in: number };
    this.token = { value: body.access_token, until: Date.now() + (body.expires_in - 30) * 1000 };
    return body.access_token;
  }

  /** The most recent logout this client took part in, with per-app, per-channel status. */
  async latest(clientId: string): Promise<LogoutReport | undefined> {
    try {
      const res = await this.fetch(
        `${this.issuer}/api/v1/logouts?client_id=${encodeURIComponent(clientId)}&limit=1`,
        {
          headers: { authorization: `Bearer ${await this.accessToken()}` },
        },
      );
      if (!res.ok) return undefined;
      const [latest] = (await res.json()) as LogoutReport[];
      return latest;
    } catch {
      return undefined;
    }
  }
}
