/** The vendor presets as the New-tunnel screen shows them, and sessions made from them. */
import { possessive } from '../../common/words.js';
import type { PresetView } from '../../common/contract.js';
import { DATABASES, PRESETS, publishedFingerprint, type VendorPreset } from '../core/config/presets.js';

function ruleInWords(p: VendorPreset): string {
  const r = p.remotePort;
  switch (r.kind) {
    case 'database-prefix':
      return `the database port with a 1 in front (1433 → 11433), as ${p.vendor} recommends`;
    case 'fixed':
      return `${r.port}, the port ${possessive(p.vendor)} guide uses`;
    case 'vendor-assigned':
      return `the port ${p.vendor} assigned to you${r.example ? ` (e.g. ${r.example})` : ''}`;
    case 'none':
      return 'none: the vendor connects in through your own SSH server';
  }
}

export function presetViews(): PresetView[] {
  return PRESETS.map((p) => {
    const asks: Array<'host' | 'user' | 'target' | 'remotePort'> = [];
    if (p.direction === 'reverse') {
      asks.push('host');
      if (!p.user) asks.push('user');
      if (p.forward === 'remote') asks.push('target');
      if (p.forward === 'remote-dynamic' || p.remotePort.kind === 'vendor-assigned') asks.push('remotePort');
    }
    const fingerprint = publishedFingerprint(p);
    const dbs = (p.databases ?? []).map((id) => DATABASES.find((d) => d.id === id)).filter((d) => d !== undefined);
    return {
      id: p.id,
      vendor: p.vendor,
      direction: p.direction,
      ...(p.user ? { user: p.user } : {}),
      port: p.port,
      forward: p.forward,
      asks,
      remotePortRule: ruleInWords(p),
      remotePort: p.remotePort,
      keepalive: { intervalSeconds: p.keepalive.intervalSeconds, countMax: p.keepalive.countMax },
      hostKeyPolicy: p.hostKeyPolicy,
      ...(fingerprint ? { publishedFingerprint: fingerprint } : {}),
      key: { type: p.key.type, ...(p.key.bits ? { bits: p.key.bits } : {}), madeBy: p.key.madeBy, passphrase: p.key.passphrase },
      databases: [...dbs, ...DATABASES.filter((d) => !dbs.includes(d))].map((d) => ({ id: d.id, name: d.name, port: d.port })),
      nextSteps: p.nextSteps,
      troubleshooting: p.troubleshooting,
    };
  });
}
