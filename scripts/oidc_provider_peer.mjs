// npm oidc-provider (pinned in testpeers/), configured like `kubeward idp serve` with the seed 001
// realm, as the reference for scripts/idp_vs_oidc_provider.py:
//
// - one confidential client (client_secret_post) allowed client_credentials, refresh_token and
//   password;
// - RS256 (or ES256) signing with a key made at start;
// - JWT access tokens: resource indicators with one resource server whose accessTokenFormat is
//   'jwt', used by default for client_credentials and kept for refresh_token;
// - refresh tokens issued to a user through a small password grant registered with
//   oidc-provider's documented `registerGrantType` (oidc-provider has no password grant);
// - ID tokens on refresh (scope openid), claims from a fixed account (email, groups, name);
// - the default in-memory adapter, NODE_ENV=production.
//
// Refresh tokens are not rotated (rotateRefreshToken: false), so that one refresh token can be
// redeemed again and again under load; kubeward's run (realm revokeRefreshToken off) still
// rotates, which costs it a third signature per redemption.
//
// Environment: TLS_CERT, TLS_KEY (PEM files), CLIENT_ID, CLIENT_SECRET, USER_NAME, USER_PASSWORD,
// ALG (RS256 by default). Prints "ISSUER https://127.0.0.1:PORT" on stdout once it listens.
import fs from 'node:fs';
import https from 'node:https';
import { generateKeyPairSync } from 'node:crypto';

const peers = new URL('../testpeers/node_modules/', import.meta.url);
const { default: Provider, errors } = await import(
  new URL('oidc-provider/lib/index.js', peers).href
);

const alg = process.env.ALG || 'RS256';
const clientId = process.env.CLIENT_ID;
const clientSecret = process.env.CLIENT_SECRET;
const userName = process.env.USER_NAME;
const userPassword = process.env.USER_PASSWORD;
const resource = 'urn:kubeward:kubernetes';
const scope = 'openid profile email';

const { privateKey } = alg === 'RS256'
  ? generateKeyPairSync('rsa', { modulusLength: 2048 })
  : generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: 'bench' };

const server = https.createServer({
  cert: fs.readFileSync(process.env.TLS_CERT),
  key: fs.readFileSync(process.env.TLS_KEY),
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `https://127.0.0.1:${server.address().port}`;

const account = (id) => ({
  accountId: id,
  claims: async () => ({
    sub: id,
    preferred_username: id,
    name: 'Test User',
    email: `${id}@example.com`,
    email_verified: true,
    groups: ['developers'],
  }),
});

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials', 'refresh_token', 'password'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: alg,
    scope,
  }],
  jwks: { keys: [jwk] },
  enabledJWA: { idTokenSigningAlgValues: [alg] },
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope,
        audience: 'kubernetes',
        accessTokenFormat: 'jwt',
        accessTokenTTL: 300,
        jwt: { sign: { alg } },
      }),
    },
  },
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name', 'groups'],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid', 'profile', 'email'],
  conformIdTokenClaims: false,
  rotateRefreshToken: false,
  issueRefreshToken: async () => true,
  findAccount: async (ctx, id) => account(id),
  ttl: { IdToken: 300, RefreshToken: 1800, Grant: 86400, ClientCredentials: 300 },
});

provider.registerGrantType('password', async (ctx) => {
  const { username, password } = ctx.oidc.params;
  if (username !== userName || password !== userPassword) {
    throw new errors.InvalidGrant('invalid user credentials');
  }
  const { client } = ctx.oidc;
  const grant = new provider.Grant({ accountId: username, clientId: client.clientId });
  grant.addOIDCScope(scope);
  grant.addResourceScope(resource, scope);
  const grantId = await grant.save();
  const refreshToken = new provider.RefreshToken({
    accountId: username, client, grantId, gty: 'password', scope, resource, rotations: 0,
  });
  ctx.body = {
    refresh_token: await refreshToken.save(),
    token_type: 'Bearer',
    scope,
  };
}, new Set(['username', 'password', 'scope']));

provider.on('server_error', (ctx, error) => console.error('server_error', error));
server.on('request', provider.callback());
console.log(`ISSUER ${issuer}`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
