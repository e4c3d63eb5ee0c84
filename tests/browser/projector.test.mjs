// The projector view: it shows the Code's principles and the QR code, and
// its count follows check-ins made from phones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PROJECTOR, BASE, api, launch, openMeeting, checkInViaApi, signIn, assertNoAxeViolations, screenshot,
} from './lib.mjs';

async function shownCount(page) {
  const text = await page.locator('.count').innerText();
  const n = Number.parseInt(text.replace(/\D+/g, ' ').trim().split(' ')[0], 10);
  assert.ok(Number.isInteger(n), `no number in the count: ${JSON.stringify(text)}`);
  return n;
}

test('projector view counts an attendee who checks in from a phone', async () => {
  const meeting = await openMeeting('ISO/TC 211 plenary');
  await checkInViaApi(meeting, { name: 'Katherine Johnson', organization: 'NASA', country: 'United States / ANSI' });
  const { context, close } = await launch(PROJECTOR);
  try {
    const page = await context.newPage();
    await signIn(page);
    await page.goto(`${BASE}/console/meetings/${meeting.id}/present`);
    await page.getByRole('heading', { name: 'ISO/TC 211 plenary' }).waitFor();

    // What the room sees: the principles of the Code and a QR code that fits the screen.
    const principles = await page.locator('.principles li').allInnerTexts();
    assert.ok(principles.includes('Respect others'), `principles shown: ${principles}`);
    const qr = await page.getByRole('img', { name: /QR code to check in/ }).boundingBox();
    assert.ok(qr.width >= 400, `the QR code is ${qr.width} px wide on a 1920 px projector`);
    assert.ok(qr.y + qr.height <= 1080, 'the QR code fits on the screen without scrolling');
    const overflow = await page.evaluate(() => [
      document.documentElement.scrollWidth - innerWidth,
      document.documentElement.scrollHeight - innerHeight,
    ]);
    assert.deepEqual(overflow, [0, 0], 'the projector view scrolls on a 1920×1080 screen');
    assert.equal(await shownCount(page), 1);
    await screenshot(page, 'projector');
    await assertNoAxeViolations(page, 'the projector view');

    // The secretary puts it full screen with the button; the button then
    // steps out of the way.
    const full = page.getByRole('button', { name: 'Full screen (F)' });
    await full.waitFor({ state: 'visible' });
    await full.click();
    await page.waitForFunction(() => document.fullscreenElement !== null, null, { timeout: 5_000 });
    await full.waitFor({ state: 'hidden' });

    // Someone checks in from their phone; the screen catches up by itself.
    // Navigations are counted so that, once the view updates in place, a
    // reload would be noticed.
    let navigations = 0;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations += 1;
    });
    await checkInViaApi(meeting, { name: 'Dorothy Vaughan', organization: 'NASA', country: 'United States / ANSI' });
    const started = Date.now();
    while ((await shownCount(page).catch(() => 0)) !== 2) {
      assert.ok(Date.now() - started < 25_000, 'the count did not change within 25 s of the check-in');
      await page.waitForTimeout(250);
    }
    const updatesInPlace = await page.evaluate(() => !document.querySelector('meta[http-equiv="refresh"]'));
    if (updatesInPlace) {
      assert.equal(navigations, 0, 'the projector view reloaded instead of updating in place');
    }
    console.log(`projector count went from 1 to 2 in ${Date.now() - started} ms (${updatesInPlace ? 'in place' : 'by reload'})`);

    // Someone joins from the video conference with the remote link: the
    // count and the split under it follow.
    assert.equal(await page.locator('#present-split').innerText(), '2 in the room · 0 remote');
    const remote = (await api('GET', `/meetings/${meeting.id}/remote-link`)).json;
    const remotely = await api('POST', `/meetings/${meeting.id}/checkins`, {
      token: remote.token, name: 'Mary Jackson', organization: 'NASA', country: 'United States / ANSI',
      role: 'delegate', acknowledged: true, code_sha256: meeting.code_sha256,
    });
    assert.equal(remotely.status, 201, remotely.text);
    await page.waitForFunction(
      () => document.getElementById('present-split').textContent === '2 in the room · 1 remote',
      null,
      { timeout: 25_000 },
    );
    assert.equal(await shownCount(page), 3);
    await assertNoAxeViolations(page, 'the projector view with remote check-ins');
  } finally {
    await close();
  }
});
