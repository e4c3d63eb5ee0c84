// Personal data as people meet it: an attendee reads who sees what and the
// privacy notice, agrees to show their email, then erases it from their
// receipt; a secretary reviews and confirms an erasure in the console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PHONE, LAPTOP, BASE, api, launch, openMeeting, scanLink, checkInViaApi, signIn, assertNoAxeViolations,
} from './lib.mjs';

test('attendee agrees to show their email, reads the privacy notice, and later erases their email', async () => {
  const meeting = await openMeeting('ISO/TC 37 plenary');
  const link = await scanLink(meeting);
  const { context, close } = await launch(PHONE);
  try {
    const page = await context.newPage();
    await page.goto(link.url);
    // Next to each field, who sees it.
    assert.match(await page.locator('label[for=name]').innerText(), /circulated to participants/);
    assert.match(await page.locator('label[for=email]').innerText(), /Only the secretary sees it/);
    // The privacy notice is linked before the button.
    const notice = page.getByRole('link', { name: /privacy notice/ });
    const noticeBox = await notice.boundingBox();
    const buttonBox = await page.getByRole('button', { name: 'Check in' }).boundingBox();
    assert.ok(noticeBox.y < buttonBox.y, 'the privacy notice comes before the button');
    const [privacy] = await Promise.all([context.waitForEvent('page').catch(() => null), notice.click()]);
    const shown = privacy ?? page;
    await shown.getByRole('heading', { name: 'Privacy notice' }).waitFor();
    assert.match(await shown.locator('main').innerText(), /Who sees what/);
    await assertNoAxeViolations(shown, 'the privacy notice (phone)');
    if (!privacy) await page.goBack();

    await page.getByLabel('Full name').fill('Grace Hopper');
    await page.getByLabel('Organisation').fill('ANSI');
    await page.getByLabel(/Country or national body/).fill('United States / ANSI');
    await page.getByLabel(/Email/).fill('grace@example.org');
    await page.getByLabel(/Show my email on the list circulated/).check();
    await page.getByLabel('I have read the Code of Conduct and will uphold it.').check();
    await Promise.all([page.waitForURL(/\/r\//), page.getByRole('button', { name: 'Check in' }).click()]);
    const facts = page.locator('dl.facts');
    assert.match(await facts.innerText(), /grace@example\.org \(shown on the circulated list, as you agreed\)/);

    // The circulated list shows her email, as she agreed.
    const bundle = await api('GET', `/meetings/${meeting.id}/bundle`);
    assert.equal(bundle.status, 200, bundle.text);

    await page.getByRole('link', { name: 'Erase my email' }).click();
    await page.getByRole('heading', { name: 'Erase my email?' }).waitFor();
    await assertNoAxeViolations(page, 'the erase-my-email confirmation (phone)');
    await Promise.all([page.waitForURL(/\/r\/[^/]+$/), page.getByRole('button', { name: 'Erase my email' }).click()]);
    const after = await facts.innerText();
    assert.doesNotMatch(after, /grace@example\.org/);
    assert.match(after, /erased/);
    await assertNoAxeViolations(page, 'the receipt after erasing the email (phone)');
  } finally {
    await close();
  }
});

test('secretary reviews what an erasure removes and what stays, then confirms it', async () => {
  const meeting = await openMeeting('ISO/TC 37/SC 2 meeting');
  await checkInViaApi(meeting, {
    name: 'Alan Turing', organization: 'BSI', country: 'United Kingdom / BSI', email: 'alan@example.org',
  });
  const { context, close } = await launch(LAPTOP);
  try {
    const page = await context.newPage();
    await signIn(page);
    await page.goto(`${BASE}/console/meetings/${meeting.id}`);
    const section = page.getByRole('region', { name: 'Personal data' });
    await section.waitFor();
    assert.match(await section.innerText(), /Full copies for the archive/);
    assert.match(await section.innerText(), /erased 365 days after the meeting closes/);
    await assertNoAxeViolations(page, 'the console meeting page with its personal data section');

    await page.getByLabel("Attendee's email or receipt link").fill('alan@example.org');
    await page.getByLabel('Their email only').check();
    await page.getByRole('button', { name: /Review the erasure/ }).click();
    await page.getByRole('heading', { name: 'Erase personal data?' }).waitFor();
    assert.match(await page.locator('main').innerText(), /What stays/);
    await assertNoAxeViolations(page, 'the erasure confirmation page');
    await Promise.all([
      page.waitForURL(new RegExp(`/console/meetings/${meeting.id}`)),
      page.getByRole('button', { name: 'Erase for good' }).click(),
    ]);
    const done = page.locator('#erasures');
    await done.waitFor();
    assert.match(await done.innerText(), /email/);
    await assertNoAxeViolations(page, 'the console meeting page after an erasure');
  } finally {
    await close();
  }
});
