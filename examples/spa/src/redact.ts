import type { TrackerEvent } from '@liveinsight/sdk';

// Raw or percent-encoded @ (%40): URLs carry addresses both ways.
const EMAIL = /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/** Replaces every e-mail address in `text` with `[email]`. */
export const redactEmails = (text: string): string => text.replace(EMAIL, '[email]');

/**
 * The `beforeSend` hook: the app has routes like /users/ada@example.com, and an address
 * is personal data that must not reach analytics. Runs on every event before it is queued.
 */
export function withoutEmails(event: TrackerEvent): TrackerEvent {
  return { ...event, page_url: redactEmails(event.page_url), referrer: redactEmails(event.referrer) };
}
