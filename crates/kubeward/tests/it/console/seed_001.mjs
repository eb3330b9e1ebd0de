// Seed 001's Keycloak steps, done by a person in the admin console: headless Chromium (npm
// playwright-core) signs in as the master realm's admin, creates the realm `seed`, the client
// `kubernetes-client` (confidential, password grant, groups claim) with its client role `admin`,
// the user `test` with a password, the group `developers`, the membership and the role
// mapping, regenerates the client secret once, and reads the event log. Every step clicks what a
// person would click, found by its label or its text, so the pages' accessibility is exercised.
// Environment: CONSOLE (https://…/admin/console/), ADMIN_PASSWORD, PLAYWRIGHT (its index.mjs).
// The last line printed is JSON: {"secret": "...", "events": [...]}.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const { chromium } = await import(process.env.PLAYWRIGHT);
const console_ = process.env.CONSOLE;
const say = (line) => process.stderr.write(`console: ${line}\n`);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeward-console-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  ignoreHTTPSErrors: true,
  javaScriptEnabled: false,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  await context.route(/.*/, (route) => {
    const host = new URL(route.request().url()).hostname;
    return host === '127.0.0.1' || host === 'localhost' ? route.continue() : route.abort();
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(20000);
  const click = async (name) => {
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
      page.getByRole('button', { name, exact: true }).click(),
    ]);
  };
  const done = async (text) => {
    const status = await page.getByRole('status').textContent();
    if (!status.includes(text)) throw new Error(`expected "${text}", the page says "${status}"`);
    say(status.trim());
  };
  const go = async (name) => {
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
      page.getByRole('link', { name, exact: true }).click(),
    ]);
  };

  await page.goto(console_, { waitUntil: 'domcontentloaded' });
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(process.env.ADMIN_PASSWORD);
  await click('Sign in');
  await page.getByRole('heading', { name: 'Realms' }).waitFor();

  await page.getByLabel('Name').fill('seed');
  await click('Create realm');
  await done('Realm seed created.');

  // 1-1: the client, confidential, with the password grant and a groups claim.
  await go('Clients');
  await page.getByLabel('Client ID').fill('kubernetes-client');
  await page.getByLabel('Password (direct access grants)').check();
  await page.getByLabel('Put the user\'s groups in a groups claim (group membership mapper)').check();
  await page.getByLabel('Redirect URIs (one a line)').fill('http://localhost:8000\nhttp://localhost:18000');
  await click('Create client');
  await done('Client kubernetes-client created.');
  const first = (await page.locator('#client-secret').textContent()).trim();
  await click('Regenerate the secret (the old one stops working)');
  await done('A new secret for kubernetes-client');
  const secret = (await page.locator('#client-secret').textContent()).trim();
  if (secret === first) throw new Error('the secret did not change');
  // 1-2: its role.
  await page.getByLabel('New client role').fill('admin');
  await click('Create client role');
  await done('Client role admin created.');

  // 1-5: the group.
  await go('Groups');
  await page.getByLabel('Name').fill('developers');
  await click('Create group');
  await done('Group /developers created.');

  // 1-4: the user with a password.
  await go('Users');
  await page.getByLabel('Username').fill('test');
  await page.getByLabel('Password (optional)').fill('test-password');
  await click('Create user');
  await done('User test created.');
  // 1-6 and 1-3: the membership and the client role mapping.
  await page.getByLabel('Join a group').selectOption({ label: '/developers' });
  await click('Join group');
  await done('User test joined /developers.');
  await page.getByLabel('Assign a role').selectOption({ label: 'admin (client kubernetes-client)' });
  await click('Assign role');
  await done('Role admin (client kubernetes-client) assigned.');

  await go('Events');
  const events = await page.locator('tbody tr td:nth-child(4)').allTextContents();
  process.stdout.write(`${JSON.stringify({ secret, events })}\n`);
} finally {
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
