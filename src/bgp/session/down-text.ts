/**
 * The "last error" text of `show neighbors`: which NOTIFICATION went which way,
 * or what TCP said ("sent NOTIFICATION 6/2 Cease/Administrative Shutdown: maintenance",
 * "received NOTIFICATION 4/0 Hold Timer Expired", "connection refused").
 */
import { decodeShutdownCommunication, hasShutdownCommunication, notificationName } from '../wire/messages/notification';
import type { NotificationMessage } from '../wire/messages/types';
import type { DownReason, FsmAction } from './fsm-types';

/** "NOTIFICATION 6/2 Cease/Administrative Shutdown: maintenance". */
export function describeNotification(n: NotificationMessage): string {
  const base = `NOTIFICATION ${n.code}/${n.subcode} ${notificationName(n.code, n.subcode)}`;
  // RFC 8538 §3: a Hard Reset carries the real reason inside its data.
  if (n.code === 6 && n.subcode === 9 && n.data.length >= 2) {
    const inner = describeNotification({ type: 'notification', code: n.data[0] ?? 0, subcode: n.data[1] ?? 0, data: n.data.subarray(2) });
    return `${base} (${inner.replace(/^NOTIFICATION /, '')})`;
  }
  // RFC 9003 §2: the shutdown communication is meant for the operator, so it is shown.
  // The FSM builds our Cease from raw data, so the text is decoded here when the message lacks it.
  const text = n.shutdownMessage ?? (hasShutdownCommunication(n.code, n.subcode) ? decodeShutdownCommunication(n.data) : undefined);
  return text !== undefined && text.length > 0 ? `${base}: ${text}` : base;
}

export function notificationText(direction: 'sent' | 'received', n: NotificationMessage): string {
  return `${direction} ${describeNotification(n)}`;
}

/** The NOTIFICATION a batch of actions sends, if any. */
export function sentNotification(actions: readonly FsmAction[]): NotificationMessage | null {
  for (const a of actions) if (a.type === 'send' && a.message.type === 'notification') return a.message;
  return null;
}

/**
 * Text for a transition to Idle. `sent` is the NOTIFICATION the same step sent
 * (it says more than the reason: a stop's Cease carries the RFC 9003 text);
 * `socketFailure` is what the socket reported, for connection failures.
 */
export function downText(reason: DownReason, sent: NotificationMessage | null, socketFailure: string | null): string {
  if (sent !== null) return notificationText('sent', sent);
  switch (reason.type) {
    case 'stopped':
      return reason.manual ? 'administratively stopped' : 'automatically stopped';
    case 'collision-lost':
      return 'connection collision resolution: the other connection was kept';
    case 'local-error':
      // SendNOTIFICATIONwithoutOPEN off (RFC 4271 §8.1.1): the error was found but the peer was not told.
      return reason.sent ? notificationText('sent', reason.notification) : `error ${describeNotification(reason.notification)} (not sent before our OPEN)`;
    case 'peer-notification':
      return notificationText('received', reason.notification);
    case 'connection-failed':
      return socketFailure ?? 'connection failed';
    default: {
      const never: never = reason;
      return never;
    }
  }
}
