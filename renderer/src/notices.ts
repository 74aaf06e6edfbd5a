/**
 * Browser mode's notifications: the desktop app's (a tunnel down, back, or needing a person),
 * decided by the same policy (common/notifications.ts) and the same Settings switches, shown by the
 * browser's Notification API while the page is open. The desktop app's window shows none: its
 * main process does, even with the window closed.
 */
import { useEffect, useRef } from 'react';
import type { AppInfo, Settings } from '../../common/contract.js';
import { NotificationPolicy } from '../../common/notifications.js';
import { useEvent } from './api/hooks.js';

/** What the browser says of notifications for this page: 'unsupported' where there is no API. */
export type NoticePermission = NotificationPermission | 'unsupported';

export function noticePermission(): NoticePermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks the browser for permission (it shows its own prompt once); what it answered. */
export async function askNoticePermission(): Promise<NoticePermission> {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission !== 'default') return Notification.permission;
  return Notification.requestPermission();
}

export function useBrowserNotices(info: AppInfo | undefined, settings: Settings | undefined): void {
  const switches = useRef<Settings['notifications']>({ down: false, back: false, needsPerson: false });
  useEffect(() => {
    if (settings) switches.current = settings.notifications;
  }, [settings]);
  // Made at the first event (not during render): it reads the switches as they are then.
  const policyRef = useRef<NotificationPolicy | undefined>(undefined);
  useEvent('sessions:changed', (views) => {
    if (info?.mode !== 'web') return;
    const policy = (policyRef.current ??= new NotificationPolicy(() => switches.current));
    for (const v of views) {
      // Every change goes through the policy (it follows each session's state), shown or not.
      const n = policy.onSnapshot(v.config.name, v.snapshot);
      if (n && noticePermission() === 'granted') new Notification(n.title, { body: n.body, tag: `${n.sessionId}:${n.kind}` });
    }
  });
  useEvent('sessions:removed', (r) => policyRef.current?.forget(r.id));
}
