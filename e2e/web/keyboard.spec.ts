/** The main path with the keyboard alone (Tab, Enter, Space, typing), every focus stop visibly marked. */
import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { test, expect, plantKey } from '../fixtures.js';
import { SessionDetailPage } from '../pages.js';
import { FIVETRAN_COMMAND } from '../setup.js';
import { freePort } from '../../test/helpers/net.js';
import { psql } from '../../test/helpers/postgres.js';

/** What has focus now, and whether it shows (an outline of 2 px or more, as :focus-visible draws it). */
async function focused(page: Page): Promise<{ what: string; visible: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { what: 'body', visible: true };
    const cs = getComputedStyle(el);
    return { what: el.outerHTML.slice(0, 100), visible: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };
  });
}

/** Presses Tab until `target` has focus, checking at every stop that focus can be seen. */
async function tabTo(page: Page, target: Locator, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    expect(f.visible, `focus is visible on ${f.what}`).toBe(true);
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`${max} presses of Tab never reached ${target}`);
}

test('keyboard only: paste a vendor command, fill it in, save, start, trust the host key', async ({ page, burrow, sshd, pg }) => {
  plantKey(burrow, readFileSync(sshd.clientKeyPath, 'utf8'));
  const remotePort = await freePort();

  await tabTo(page, page.getByRole('link', { name: 'Skip to content' }));
  await tabTo(page, page.getByRole('button', { name: 'New tunnel' }).first());
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'New tunnel', level: 1 })).toBeVisible();
  await tabTo(page, page.getByRole('link', { name: 'Paste a command' }));
  await page.keyboard.press('Enter');
  // The link changes the screen after the key press returns: the next Tab goes to the new one.
  await expect(page.getByRole('heading', { name: "Paste your vendor's command", level: 1 })).toBeVisible();

  await tabTo(page, page.getByLabel('The command, script or config'));
  await page.keyboard.insertText(`${FIVETRAN_COMMAND} -p ${sshd.port}`);
  const values: Record<string, string> = {
    SSH_HIGH_PORT: String(remotePort),
    LOCAL_DB_MACHINE_NAME_OR_IP: '127.0.0.1',
    LOCAL_DB_MACHINE_PORT: String(pg.port),
    FIVETRAN_SSH_USERNAME: sshd.user,
    FIVETRAN_SUPPLIED_IP: '127.0.0.1',
  };
  for (const [name, value] of Object.entries(values)) {
    await tabTo(page, page.getByLabel(name, { exact: true }));
    await page.keyboard.insertText(value);
  }
  // <PATH_TO_PRIVATE_KEY> is a key chooser: "A key file on this machine…" picked by typing its first
  // letter on the focused list, then its path.
  await tabTo(page, page.getByLabel('Log in with'));
  await page.keyboard.press('a');
  await expect(page.getByLabel('Log in with')).toHaveValue('file');
  await tabTo(page, page.getByLabel('Key file path'));
  await page.keyboard.insertText(sshd.clientKeyPath);
  await tabTo(page, page.getByRole('button', { name: 'Show what would be saved' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'What would be saved' })).toBeVisible();
  await tabTo(page, page.getByRole('region', { name: 'What would be saved' }).getByLabel('Name'));
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText('Fivetran by keyboard');
  await tabTo(page, page.getByRole('button', { name: 'Save this tunnel' }));
  await page.keyboard.press('Space');
  await expect(page.getByRole('heading', { name: 'Saved: Fivetran by keyboard' })).toBeFocused();

  await tabTo(page, page.getByRole('button', { name: 'Start the tunnel' }));
  await page.keyboard.press('Enter');
  // The question takes focus; its buttons are reached with Tab and pressed with Enter.
  const question = page.getByRole('dialog', { name: `First connection to 127.0.0.1:${sshd.port}` });
  await expect(question).toBeVisible();
  await expect(question.locator(':focus')).toHaveCount(1);
  await tabTo(page, question.getByRole('button', { name: 'They match: trust and connect' }), 5);
  await page.keyboard.press('Enter');
  await new SessionDetailPage(page).expectStatus('Connected');
  expect(await psql(remotePort, 'select 6 * 7')).toBe('42');

  // Escape closes a dialog that may be closed: "Remove" asks, Escape keeps the tunnel.
  await tabTo(page, page.getByRole('button', { name: 'Remove' }));
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Remove Fivetran by keyboard?' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Keep it' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await new SessionDetailPage(page).expectStatus('Connected');
});
