// A new secretary creates a meeting with the browser's own date and time
// fields and a searchable list of time zones that starts at the browser's
// zone; the server works out the UTC offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, LAPTOP, api, assertNoAxeViolations, launch, signIn } from './lib.mjs';

test('a secretary in Tokyo creates a meeting by picking a date, a time and a zone, and the offset is the zone’s', async () => {
  const { context, close } = await launch({ ...LAPTOP, timezoneId: 'Asia/Tokyo' });
  try {
    const page = await context.newPage();
    await signIn(page);
    const starts = page.getByLabel(/^Starts/);
    assert.equal(await starts.getAttribute('type'), 'datetime-local');
    assert.equal(await page.getByLabel(/^Ends/).getAttribute('type'), 'datetime-local');
    const zone = page.getByLabel(/^Time zone/);
    assert.equal(await zone.inputValue(), 'Asia/Tokyo', "the browser's zone is suggested");
    assert.equal(await zone.getAttribute('list'), 'zones');
    assert.ok((await page.locator('#zones option').count()) > 300, 'every IANA zone is offered');
    await assertNoAxeViolations(page, 'the meeting form with the date, time and zone fields');

    await page.getByLabel('Title', { exact: true }).fill('JTC 1/SC 42 plenary, Tokyo');
    await starts.fill('2026-12-01T09:00');
    await page.getByLabel(/^Ends/).fill('2026-12-03T17:30');
    await page.getByRole('button', { name: 'Create meeting' }).click();
    await page.getByRole('heading', { name: 'JTC 1/SC 42 plenary, Tokyo', level: 1 }).waitFor();
    const id = new URL(page.url()).pathname.split('/').pop();
    const m = await api('GET', `/meetings/${id}`);
    assert.equal(m.json.starts_at, '2026-12-01T09:00:00+09:00');
    assert.equal(m.json.ends_at, '2026-12-03T17:30:00+09:00');
    assert.equal(m.json.timezone, 'Asia/Tokyo');

    // A zone typed wrong is named, and what was typed stays in the form.
    await page.goto(`${BASE}/console`);
    await page.getByLabel('Title', { exact: true }).fill('Somewhere else');
    await page.getByLabel(/^Starts/).fill('2026-12-01T09:00');
    await page.getByLabel(/^Ends/).fill('2026-12-01T17:00');
    await page.getByLabel(/^Time zone/).fill('Europe/Genf');
    await page.getByRole('button', { name: 'Create meeting' }).click();
    assert.match(await page.getByRole('alert').innerText(), /"Europe\/Genf" is not a time zone rollcall knows/);
    assert.equal(await page.getByLabel(/^Starts/).inputValue(), '2026-12-01T09:00');
    await assertNoAxeViolations(page, 'the meeting form with an unknown zone');
  } finally {
    await close();
  }
});
