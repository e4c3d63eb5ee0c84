// The check-in page on a phone: Lighthouse scores, bytes of the first load,
// and how soon it is usable on a slow 3G link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import { CHROME_FLAGS, CHROME_PATH, PHONE, WORK, launch, openMeeting, scanLink } from './lib.mjs';

// Slow 3G as the requirement states it: 400 ms round trip, 400 kbit/s each way.
const SLOW_3G = { offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8 };
const MAX_BYTES = 30 * 1024;
const MAX_USABLE_MS = 2000;
// Lighthouse sometimes fails to record the page load's trace (runtime errors
// such as NO_NAVSTART) and asks to be run again; such a run has no scores.
// A fresh browser gets up to three runs; scores are only ever read from a run
// that completed, and a third runtime error fails the test.
const LIGHTHOUSE_RUNS = 3;

// `scan` gives a fresh check-in link (its QR token rotates) for each run.
async function runLighthouse(scan) {
  for (let attempt = 1; ; attempt += 1) {
    const url = await scan();
    const profile = mkdtempSync(join(tmpdir(), 'rollcall-lighthouse-'));
    const chrome = await chromeLauncher.launch({
      chromePath: CHROME_PATH,
      chromeFlags: CHROME_FLAGS,
      userDataDir: profile,
      logLevel: 'silent',
    });
    try {
      // Lighthouse's defaults: mobile form factor and screen, simulated throttling.
      const result = await lighthouse(url, {
        port: chrome.port,
        output: 'html',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility', 'best-practices'],
      });
      const error = result.lhr.runtimeError;
      if (error === undefined || attempt === LIGHTHOUSE_RUNS) return { result, attempts: attempt };
      console.log(`Lighthouse run ${attempt} recorded no scores (${error.code}: ${error.message}); running it again`);
    } finally {
      await chrome.kill();
      rmSync(profile, { recursive: true, force: true });
    }
  }
}

test('check-in page scores at least 95 for performance and 100 for accessibility and best practices in Lighthouse (mobile)', async () => {
  const meeting = await openMeeting('ISO/TC 176 plenary', { concern_contact: 'https://example.org/code-of-conduct/concerns' });
  const { result, attempts } = await runLighthouse(async () => (await scanLink(meeting)).url);
  const { lhr } = result;
  writeFileSync(join(WORK, 'lighthouse-check-in.html'), result.report);
  assert.equal(lhr.configSettings.formFactor, 'mobile');
  assert.equal(lhr.configSettings.throttlingMethod, 'simulate');
  assert.equal(lhr.runtimeError, undefined, `after ${attempts} runs: ${JSON.stringify(lhr.runtimeError)}`);
  const score = (id) => Math.round(lhr.categories[id].score * 100);
  const failing = (id) =>
    lhr.categories[id].auditRefs
      .filter((r) => r.weight > 0 && lhr.audits[r.id].score !== null && lhr.audits[r.id].score < 1)
      .map((r) => `${r.id} (${lhr.audits[r.id].score}): ${lhr.audits[r.id].displayValue ?? lhr.audits[r.id].title}`)
      .join('\n  ');
  const m = (id) => lhr.audits[id].displayValue;
  console.log(
    `Lighthouse ${lhr.lighthouseVersion} (mobile, simulated throttling) on the check-in page: ` +
      `performance ${score('performance')}, accessibility ${score('accessibility')}, best practices ${score('best-practices')}; ` +
      `FCP ${m('first-contentful-paint')}, LCP ${m('largest-contentful-paint')}, TBT ${m('total-blocking-time')}, CLS ${m('cumulative-layout-shift')}`,
  );
  assert.ok(score('performance') >= 95, `performance ${score('performance')}:\n  ${failing('performance')}`);
  assert.equal(score('accessibility'), 100, `accessibility:\n  ${failing('accessibility')}`);
  assert.equal(score('best-practices'), 100, `best practices:\n  ${failing('best-practices')}`);
});

test('check-in page first load is at most 30 KB and usable within 2 s on slow 3G', async () => {
  const meeting = await openMeeting('ISO/TC 292 plenary', { concern_contact: 'https://example.org/code-of-conduct/concerns' });
  const { url } = await scanLink(meeting);
  const { context, close } = await launch(PHONE);
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', SLOW_3G);
    const requests = new Map();
    cdp.on('Network.requestWillBeSent', (e) => requests.set(e.requestId, { url: e.request.url, bytes: 0 }));
    cdp.on('Network.loadingFinished', (e) => {
      const r = requests.get(e.requestId);
      if (r) r.bytes = e.encodedDataLength;
    });
    cdp.on('Network.loadingFailed', (e) => requests.delete(e.requestId));

    const started = Date.now();
    await page.goto(url, { waitUntil: 'load' });
    // Usable: the Code can be read and the form filled in and sent.
    const button = page.getByRole('button', { name: 'Check in' });
    await button.waitFor({ state: 'visible' });
    assert.ok(await button.isEnabled());
    const usable = Date.now() - started;
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return {
        dcl: Math.round(n.domContentLoadedEventEnd),
        load: Math.round(n.loadEventEnd),
        fcp: fcp ? Math.round(fcp.startTime) : null,
      };
    });
    // Whatever else the browser fetches for the page (an icon) counts too.
    await page.waitForTimeout(1500);
    await cdp.detach();

    const total = [...requests.values()].reduce((s, r) => s + r.bytes, 0);
    const list = [...requests.values()].map((r) => `${new URL(r.url).pathname} ${r.bytes} B`).join(', ');
    console.log(
      `slow 3G (400 ms RTT, 400 kbit/s): check-in page transferred ${total} bytes (${(total / 1024).toFixed(1)} KB: ${list}); ` +
        `first paint ${nav.fcp} ms, DOMContentLoaded ${nav.dcl} ms, load ${nav.load} ms, form usable ${usable} ms after navigation started`,
    );
    assert.ok(total > 0);
    assert.ok(total <= MAX_BYTES, `the first load transferred ${total} bytes (${list}); the budget is ${MAX_BYTES}`);
    assert.ok(usable < MAX_USABLE_MS, `usable after ${usable} ms on slow 3G; the budget is ${MAX_USABLE_MS} ms`);
  } finally {
    await close();
  }
});
