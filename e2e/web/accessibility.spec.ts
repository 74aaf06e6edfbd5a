/**
 * Every screen of the tour, in light and in dark, scanned with axe-core (all its rules: WCAG 2.x
 * A/AA and its best practices): no serious or critical violation. Lesser findings are listed in
 * the report.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { test, expect } from '../fixtures.js';
import { tour } from '../tour.js';

test('every screen, light and dark, has no serious or critical accessibility violation', async ({ page, burrow, sshd, pg }, info) => {
  const serious: string[] = [];
  const lesser = new Set<string>();
  await tour(page, burrow, sshd, pg, async (name) => {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      // The themes differ only in colour: every rule in light, the colour rules again in dark.
      const axe = new AxeBuilder({ page });
      const { violations } = await (colorScheme === 'light' ? axe : axe.withRules(['color-contrast', 'link-in-text-block'])).analyze();
      for (const v of violations) {
        const where = v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(', ');
        const line = `${name} (${colorScheme}): ${v.id} [${v.impact}] ${v.help}: ${where}`;
        if (v.impact === 'serious' || v.impact === 'critical') serious.push(line);
        else lesser.add(`${v.id} [${v.impact}] ${v.help}`);
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });
  for (const l of lesser) info.annotations.push({ type: 'axe (minor or moderate)', description: l });
  expect(serious, serious.join('\n')).toEqual([]);
});
