// An OpenID provider we did not write: npm `oidc-provider` (pinned in testpeers/), serving
// HTTPS on 127.0.0.1 with a certificate from the test's CA, so that `kubeward serve` can trust
// it as its OIDC issuer.
//
// Usage: node oidc_provider.mjs CONFIG.json
// CONFIG: { "testpeers": dir, "port": n (0: the system picks one), "cert": pem-file, "key": pem-file,
//           "signingKey": pkcs8-pem-file, "kid": string, "alg": "RS256"|"ES256",
//           "clientId": s, "clientSecret": s,
//           "users": { name: { "password": s, "claims": {...} } },
//           optional: "usersFile": a file of the same "users" object, read at every use (so a
//           test can change a user's claims), "redirectUris": [...], "refreshTokens": true
//           (a refresh token with every code, without offline_access) }
//
// Besides its own flows it answers a resource-owner password grant (registered through
// oidc-provider's documented `registerGrantType`), which returns an ID token for a user of
// CONFIG after checking the password — as Keycloak's direct access grant does for seed 001.
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import https from 'node:https';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { default: Provider, errors } = await import(
  pathToFileURL(`${config.testpeers}/node_modules/oidc-provider/lib/index.js`).href
);

const jwk = createPrivateKey(readFileSync(config.signingKey, 'utf8')).export({ format: 'jwk' });
jwk.kid = config.kid;
jwk.alg = config.alg;
jwk.use = 'sig';

const allUsers = () =>
  config.usersFile ? JSON.parse(readFileSync(config.usersFile, 'utf8')) : config.users;
const findAccount = async (ctx, id) =>
  allUsers()[id] && {
    accountId: id,
    claims: async () => ({ sub: id, ...allUsers()[id].claims }),
  };
// Listen first (on the port asked for, or on one the system picks), so that the issuer URL
// names the port actually bound.
const server = https.createServer({ cert: readFileSync(config.cert), key: readFileSync(config.key) });
await new Promise((resolve) => server.listen(config.port, '127.0.0.1', resolve));
const issuer = `https://127.0.0.1:${server.address().port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.clientId,
      client_secret: config.clientSecret,
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: config.redirectUris ?? ['http://localhost:8000', 'http://127.0.0.1:8000'],
      response_types: ['code'],
      id_token_signed_response_alg: config.alg,
    },
  ],
  jwks: { keys: [jwk] },
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name', 'groups', 'dept'],
    email: ['email', 'email_verified'],
  },
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  findAccount,
  ttl: { IdToken: 600 },
  ...(config.refreshTokens
    ? { issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token') }
    : {}),
  features: { devInteractions: { enabled: true } },
});

async function passwordGrant(ctx) {
  const { username, password, scope } = ctx.oidc.params;
  const user = allUsers()[username];
  if (!user || user.password !== password) {
    throw new errors.InvalidGrant('invalid user credentials');
  }
  const account = await findAccount(ctx, username);
  ctx.oidc.entity('Account', account);
  const claims = await account.claims('id_token', scope || 'openid', {}, []);
  const token = new provider.IdToken(claims, { ctx });
  token.scope = scope || 'openid profile email';
  const idToken = await token.issue({ use: 'idtoken' });
  ctx.body = { access_token: idToken, token_type: 'Bearer', expires_in: 600, id_token: idToken };
}
provider.registerGrantType('password', passwordGrant, ['username', 'password', 'scope']);
// The static client may use the grant registered after it.
const client = await provider.Client.find(config.clientId);
client.grantTypes.push('password');

provider.on("server_error", (ctx, err) => console.error("server_error", err));
server.on('request', provider.callback());
console.log(`ready ${issuer}`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
