// An OpenID provider kubeward did not write (npm oidc-provider, pinned in testpeers/), served
// over HTTPS with a certificate from a test CA, for the `kubeward login` end-to-end tests.
//
// Environment: TLS_CERT, TLS_KEY (PEM files), REQUEST_LOG (a file that gets one line per request:
// "METHOD PATH"), ID_TOKEN_TTL (seconds, default 3600), CLIENT_SECRET.
//
// oidc-provider has no resource owner password grant; a small one is registered here with its
// extension API (the only part of the issuer written for these tests): any user name, password
// USER_PASSWORD, an ID token signed by the provider's own token machinery.
// Prints "ISSUER https://127.0.0.1:PORT" on stdout once it listens.
import fs from 'node:fs';
import https from 'node:https';

const peers = new URL('../../../../../testpeers/node_modules/', import.meta.url);
const { default: Provider, errors } = await import(new URL('oidc-provider/lib/index.js', peers).href);

const ttl = Number(process.env.ID_TOKEN_TTL || 3600);
const log = process.env.REQUEST_LOG;
const server = https.createServer({
  cert: fs.readFileSync(process.env.TLS_CERT),
  key: fs.readFileSync(process.env.TLS_KEY),
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `https://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'kubernetes',
    client_secret: process.env.CLIENT_SECRET || 'kubernetes-secret',
    application_type: 'native',
    redirect_uris: ['http://localhost:8000'],
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'password'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
  },
  ttl: {
    IdToken: ttl,
    AccessToken: ttl,
    AuthorizationCode: 60,
    DeviceCode: 120,
    Grant: 86400,
    Interaction: 600,
    Session: 86400,
    RefreshToken: 86400,
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  expiresWithSession: async () => false,
  conformIdTokenClaims: false,
  claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: `${id}@example.com`, email_verified: true, groups: ['developers'] }),
  }),
  cookies: { keys: ['kubeward-login-test'] },
});
provider.use(async (ctx, next) => {
  if (log) fs.appendFileSync(log, `${ctx.method} ${ctx.path}\n`);
  await next();
});
provider.registerGrantType('password', async (ctx) => {
  const { username, password } = ctx.oidc.params;
  if (!username || password !== (process.env.USER_PASSWORD || 'correct-horse')) {
    throw new errors.InvalidGrant('invalid user credentials');
  }
  const idToken = new provider.IdToken({ sub: username }, { ctx });
  idToken.scope = 'openid';
  const at = new provider.AccessToken({ accountId: username, client: ctx.oidc.client, gty: 'password', scope: 'openid' });
  ctx.body = {
    access_token: await at.save(),
    id_token: await idToken.issue({ use: 'idtoken' }),
    token_type: 'Bearer',
    expires_in: at.expiration,
    scope: 'openid',
  };
}, new Set(['username', 'password', 'scope']));
provider.on('server_error', (ctx, error) => console.error('server_error', error));
server.on('request', provider.callback());
console.log(`ISSUER ${issuer}`);
