/** Browser mode's notifications: the desktop app's policy and switches, shown by the browser's Notification API. */
import { test, expect } from '../fixtures.js';
import { TunnelsPage } from '../pages.js';
import { importSession, reload } from '../setup.js';
import { freePort } from '../../test/helpers/net.js';

test('a tunnel that goes down and comes back is told through the browser, as the desktop tells it; a switch turned off is respected', async ({
  page,
  context,
  burrow,
  sshd,
  pg,
}) => {
  await context.grantPermissions(['notifications']);
  // What the page asks the browser to show, recorded as it is shown.
  await page.evaluate(() => {
    const shown: Array<{ title: string; body: string }> = [];
    Object.assign(window, { shown });
    const Real = window.Notification;
    window.Notification = class extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body ?? '' });
      }
    } as typeof Notification;
  });
  const shown = (): Promise<string[]> => page.evaluate(() => (window as unknown as { shown: Array<{ title: string }> }).shown.map((n) => n.title));

  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('group', { name: 'Notifications' })).toContainText('This browser shows them while this page is open');
  // "When it comes back" off: only the outage is told.
  const back = page.getByRole('checkbox', { name: 'When it comes back' });
  await back.click();
  await expect(back).not.toBeChecked();

  await importSession(burrow, sshd, 'Warehouse', `${await freePort()}:127.0.0.1:${pg.port}`);
  await reload(page, burrow, '#/');
  const tunnels = new TunnelsPage(page);
  await tunnels.start('Warehouse');
  await tunnels.expectState('Warehouse', /Connected/);
  sshd.killSessions();
  await expect.poll(shown).toEqual(['Warehouse is down']);
  await tunnels.expectState('Warehouse', /Connected/);
  // Back, but that switch is off: nothing more is shown.
  await page.waitForTimeout(500);
  expect(await shown()).toEqual(['Warehouse is down']);
});
