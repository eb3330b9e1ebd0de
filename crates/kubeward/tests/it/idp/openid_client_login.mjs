// Relying party: npm openid-client v6 (discovery, authorization code + PKCE S256, userinfo,
// refresh) against `kubeward idp serve`, with the login page filled by headless Chromium through
// playwright-core. Prints one JSON line of what it saw. Environment: ISSUER, NODE_EXTRA_CA_CERTS
// (the provider's CA), PROFILE_DIR (a fresh Chromium profile), USERNAME, PASSWORD.
import http from 'node:http';
import * as client from '../../../../../testpeers/node_modules/openid-client/build/index.js';
import { chromium } from '../../../../../testpeers/node_modules/playwright-core/index.mjs';

const { ISSUER, PROFILE_DIR, USERNAME, PASSWORD } = process.env;

// The native app's loopback redirect (RFC 8252): registered as http://127.0.0.1/callback, used
// with whatever port this process gets.
let onCallback;
const server = http.createServer((req, res) => {
  res.end('ok');
  if (req.url.startsWith('/callback') && onCallback) onCallback(new URL(req.url, redirectBase));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const redirectBase = `http://127.0.0.1:${server.address().port}`;
const redirectUri = `${redirectBase}/callback`;
const nextCallback = () => new Promise((resolve) => { onCallback = resolve; });

const config = await client.discovery(new URL(ISSUER), 'kubelogin', undefined, client.None());

function authorization() {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  return client.calculatePKCECodeChallenge(verifier).then((challenge) => ({
    verifier, state, nonce,
    url: client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
      nonce,
    }),
  }));
}

const context = await chromium.launchPersistentContext(PROFILE_DIR, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  ignoreHTTPSErrors: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const result = {};
try {
  const page = await context.newPage();
  const first = await authorization();
  await page.goto(first.url.href);
  result.loginPageTitle = await page.title();
  await page.getByLabel('Username or email').fill(USERNAME);
  await page.getByLabel('Password').fill('not-the-password');
  await Promise.all([page.waitForLoadState('load'), page.click('#kc-login')]);
  result.wrongPasswordMessage = (await page.locator('#input-error').textContent()).trim();
  await page.getByLabel('Password').fill(PASSWORD);
  const callback = nextCallback();
  await page.click('#kc-login');
  const callbackUrl = await callback;
  const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
    pkceCodeVerifier: first.verifier,
    expectedState: first.state,
    expectedNonce: first.nonce,
  });
  result.claims = tokens.claims();
  result.userinfo = await client.fetchUserInfo(config, tokens.access_token, result.claims.sub);
  result.firstRefreshToken = tokens.refresh_token;
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  result.refreshedToken = refreshed.refresh_token;
  result.refreshed = refreshed.claims();
  try {
    await client.refreshTokenGrant(config, tokens.refresh_token);
    result.replayError = 'none';
  } catch (e) {
    result.replayError = e.error ?? String(e);
  }
  result.cookie = (await context.cookies()).find((c) => c.name === 'KEYCLOAK_IDENTITY');

  // A second login in the same browser: the SSO cookie answers without the login page.
  const second = await authorization();
  const again = nextCallback();
  await page.goto(second.url.href).catch(() => {});
  const secondUrl = await Promise.race([
    again,
    new Promise((r) => setTimeout(() => r(null), 10000)),
  ]);
  result.ssoSkippedLoginPage = secondUrl !== null;
  if (secondUrl) {
    const t = await client.authorizationCodeGrant(config, secondUrl, {
      pkceCodeVerifier: second.verifier,
      expectedState: second.state,
      expectedNonce: second.nonce,
    });
    result.ssoSameSession = t.claims().sid === result.claims.sid;
  }
} finally {
  await context.close();
  server.close();
}
console.log(JSON.stringify(result));
