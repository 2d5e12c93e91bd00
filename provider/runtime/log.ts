/**
 * Messages from the provider process to the CLI. `pulumi.log` calls made here reach the user at
 * preview and at up (attributed to the stack), which is how per-user changes and per-chunk
 * progress are shown. Never pass a credential to these functions.
 */
import * as pulumi from "@pulumi/pulumi";
import type { EmailLogging } from "./config";

let emailLogging: EmailLogging = "full";

/** Set from `tenant-users:logEmails` when the provider is configured. */
export function setEmailLogging(mode: EmailLogging): void {
    emailLogging = mode;
}

// A value as our own messages quote it (`email "…"`, `name "…" vs "…"`, from the schema's `show`),
// valid or not: a mistyped address is personal data too, and may have no "@" to be found by; names
// and phone numbers have no shape to be found by at all.
const QUOTED_PERSONAL = /\b(email|name|phone) ("(?:[^"\\]|\\.)*"|\(none\))(?: vs ("(?:[^"\\]|\\.)*"|\(none\)))?/g;
// Loose on purpose: anything around an "@" in a message is treated as an address, valid or not;
// but not a path segment (`node_modules/@pulumi/…` in a stack: "/" just before the "@") or a
// version (`package@1.4.0`).
const EMAIL_IN_TEXT = /[^\s"'<>(),:;[\]]*[^\s"'<>(),:;[\]/]@(?![\d.]+(?![^\s"'<>(),:;[\]]))[^\s"'<>(),:;[\]]+/g;

/** `ada@example.com` → `a***@example.com`: enough to tell users apart in a review, not to mail them. */
export function maskEmail(email: string): string {
    const at = email.lastIndexOf("@");
    return at <= 0 ? "***" : `${email[0]}***${email.slice(at)}`;
}

/**
 * Every email in `text` as `tenant-users:logEmails` says: unchanged (`full`), masked, or replaced by
 * `<email>` (`count`); with `masked` or `count`, names and phone numbers our messages quote become
 * `<name>` and `<phone>`. Applied to every message, warning and error the provider sends out, so a
 * message built anywhere cannot reveal more than the setting allows.
 */
export function scrubEmails(text: string): string {
    return scrubAs(emailLogging, text);
}

/**
 * No email at all, whatever `logEmails` says: for text the engine stores in state in plain text
 * (a partial-state reason, kept as the resource's `initErrors`), where emails must not be.
 */
export function withoutEmails(text: string): string {
    return scrubAs("count", text);
}

function scrubAs(mode: EmailLogging, text: string): string {
    if (mode === "full") return text;
    const hide = (e: string) => (mode === "masked" ? maskEmail(e) : "<email>");
    const hideQuoted = (field: string, value: string) =>
        value === "(none)" ? value : JSON.stringify(field === "email" ? hide(unquote(value.slice(1, -1))) : `<${field}>`);
    const quoted = (_: string, field: string, first: string, second: string | undefined) =>
        `${field} ${hideQuoted(field, first)}${second === undefined ? "" : ` vs ${hideQuoted(field, second)}`}`;
    // Masking a masked address changes nothing, so text scrubbed twice is safe.
    return text.replace(QUOTED_PERSONAL, quoted).replace(EMAIL_IN_TEXT, hide);
}

function unquote(quoted: string): string {
    try {
        return JSON.parse(`"${quoted}"`) as string;
    } catch {
        return quoted;
    }
}

/** `: a, b and 3 more` naming users in a message, or nothing when `logEmails` is `count` (the caller gives the number). */
export function naming(emails: string[], limit = 10): string {
    return emailLogging === "count" || emails.length === 0 ? "" : `: ${listSome(emails, limit)}`;
}

export function info(message: string): Promise<void> {
    return pulumi.log.info(scrubEmails(message)).catch(() => undefined);
}

export function warn(message: string): Promise<void> {
    return pulumi.log.warn(scrubEmails(message)).catch(() => undefined);
}

/** At most `limit` items, then "and N more", so a 10,000-row message stays readable. */
export function listSome(items: string[], limit = 10): string {
    if (items.length <= limit) return items.join(", ");
    return `${items.slice(0, limit).join(", ")} and ${items.length - limit} more`;
}

/**
 * Collects items reported by many concurrent calls (one per resource) into one message after a
 * quiet period, so `destroy` of 200 users says one thing once instead of 200 times. Each caller
 * waits for the message to be sent, so the engine cannot end the deployment before it is.
 */
export class Coalescer {
    private items: string[] = [];
    private waiters: (() => void)[] = [];
    private timer: NodeJS.Timeout | undefined;

    constructor(
        private readonly quietMs: number,
        private readonly emit: (items: string[]) => Promise<unknown>,
    ) {}

    add(item: string): Promise<void> {
        this.items.push(item);
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.flush(), this.quietMs);
        return new Promise((resolve) => this.waiters.push(resolve));
    }

    private async flush(): Promise<void> {
        const items = this.items;
        const waiters = this.waiters;
        this.items = [];
        this.waiters = [];
        this.timer = undefined;
        await this.emit(items).catch(() => undefined);
        for (const w of waiters) w();
    }
}
