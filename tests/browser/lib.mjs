// Shared helpers for the browser tests: the server run.sh started, its JSON
// API, headless Chromium, axe-core and screenshots.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with tests/browser/run.sh`);
  return v;
}

export const BASE = env('ROLLCALL_URL');
export const TOKEN = env('ROLLCALL_TOKEN');
export const EMAIL = env('ROLLCALL_EMAIL');
export const PASSWORD = env('ROLLCALL_PASSWORD');
export const BIN = env('ROLLCALL_BIN');
export const PUBLIC_KEY = env('ROLLCALL_PUBLIC_KEY');
export const WORK = env('ROLLCALL_WORK');
export const SCREENSHOTS = env('SCREENSHOTS');
export const CHROME_PATH = process.env.CHROME_PATH || '/usr/bin/chromium';

export { CHROME_FLAGS } from './flags.mjs';
import { CHROME_FLAGS } from './flags.mjs';

/** A phone (iPhone 14-sized) and a projector. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
};
export const PROJECTOR = { viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1 };
export const LAPTOP = { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 };

/**
 * Headless Chromium with a fresh profile. `chromium.launch` cannot take a
 * --user-data-dir, so a persistent context on a new temporary directory is
 * used; it is removed on close.
 */
export async function launch(contextOptions = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'rollcall-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROME_PATH,
    headless: true,
    args: CHROME_FLAGS.filter((f) => f !== '--headless'),
    locale: 'en-GB',
    acceptDownloads: true,
    ...contextOptions,
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/** A call to the JSON API with the test token. */
export async function api(method, path, body) {
  const res = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** An RFC 3339 time `hours` from now, in UTC, to the minute. */
export function hoursFromNow(hours) {
  const t = new Date(Date.now() + hours * 3600_000);
  t.setUTCSeconds(0, 0);
  return t.toISOString().replace('.000Z', '+00:00');
}

/** Creates and opens a meeting (running now) through the API; returns it. */
export async function openMeeting(title, extra = {}) {
  const created = await api('POST', '/meetings', {
    title,
    committee: 'ISO/TC 46/WG 11',
    location: 'Geneva, room 3',
    starts_at: hoursFromNow(-1),
    ends_at: hoursFromNow(7),
    timezone: 'UTC',
    ...extra,
  });
  assert.equal(created.status, 201, created.text);
  const opened = await api('POST', `/meetings/${created.json.id}/open`);
  assert.equal(opened.status, 200, opened.text);
  return opened.json;
}

/** The link the meeting's QR code shows now, as a phone would scan it. */
export async function scanLink(meeting) {
  const link = await api('GET', `/meetings/${meeting.id}/checkin-link`);
  assert.equal(link.status, 200, link.text);
  return link.json;
}

/** Checks someone in through the public API, as another phone would. */
export async function checkInViaApi(meeting, person) {
  const link = await scanLink(meeting);
  const res = await api('POST', `/meetings/${meeting.id}/checkins`, {
    token: link.token,
    role: 'delegate',
    acknowledged: true,
    code_sha256: meeting.code_sha256,
    ...person,
  });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

/** Signs in to the console through its form. */
export async function signIn(page) {
  await page.goto(`${BASE}/console`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(/\/console$/), page.getByRole('button', { name: /sign in/i }).click()]);
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (WCAG 2.0–2.2 A and AA rules and best practices) on the page
 * and fails with a readable list of violations. The script is added through
 * the DevTools protocol, so the page's Content-Security-Policy (no inline or
 * foreign script) stays in force for the page itself.
 */
export async function assertNoAxeViolations(page, what) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Runtime.evaluate', { expression: AXE_SOURCE });
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', {
    expression: `axe.run(document, { resultTypes: ['violations'] }).then(r => JSON.stringify(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary) }))))`,
    awaitPromise: true,
    returnByValue: true,
  });
  await cdp.detach();
  assert.equal(exceptionDetails, undefined, `axe failed on ${what}: ${JSON.stringify(exceptionDetails)}`);
  const violations = JSON.parse(result.value);
  const report = violations
    .map((v) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`)
    .join('\n');
  assert.equal(violations.length, 0, `axe found ${violations.length} violation(s) on ${what}:\n${report}`);
  console.log(`axe: 0 violations on ${what}`);
}

/** Saves a screenshot for the README. */
export async function screenshot(page, name, options = {}) {
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, ...options });
  return path;
}

/**
 * `rollcall verify FILE --key KEY` must accept the file, without warnings.
 * `verdict` is matched against the report's verdict line (VALID or INVALID
 * and the kind of file; a PDF's report says first where its bundle came from).
 */
export function assertVerifies(file, verdict) {
  const r = spawnSync(BIN, ['verify', file, '--key', PUBLIC_KEY], { encoding: 'utf8' });
  assert.equal(r.status, 0, `rollcall verify ${file} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => /^(IN)?VALID /.test(l));
  assert.match(line ?? '', verdict, r.stdout);
  assert.doesNotMatch(r.stderr, /WARNING/, r.stderr);
}
