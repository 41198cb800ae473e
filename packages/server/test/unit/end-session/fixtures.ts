import { SignJWT, generateKeyPair, jwtVerify, type JWTPayload } from 'jose';
import { Client } from '../../../src/domain/clients.js';
import { clientMetadataSchema } from '../../../src/domain/client-metadata.js';

export const ISSUER = 'https://op.example';

/** A signing key standing in for the provider's, and the verifier the checks receive. */
export async function ownKeys() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const sign = (claims: JWTPayload, typ: string) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ })
      .setIssuer(ISSUER)
      .setIssuedAt()
      .sign(privateKey);
  const verify = async (token: string) =>
    (await jwtVerify(token, publicKey, { issuer: ISSUER, algorithms: ['RS256'] })).payload;
  return { sign, verify };
}

export function client(id: string, postLogout: string[] = []): Client {
  const metadata = clientMetadataSchema.parse({
    client_id: id,
    client_name: id[0]!.toUpperCase() + id.slice(1),
    redirect_uris: [`https://${id}.example/cb`],
    post_logout_redirect_uris: postLogout,
  });
  return new Client(metadata, null, 'config');
}
