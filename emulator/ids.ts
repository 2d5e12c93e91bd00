/** Identifiers and credentials. Random parts come from a pooled CSPRNG buffer. */
import { randomBytes } from "node:crypto";

const POOL_BYTES = 64 * 1024;
let pool = randomBytes(POOL_BYTES);
let offset = 0;

/** `bytes` random bytes as lower-case hex. */
export function randomHex(bytes: number): string {
    if (bytes > POOL_BYTES) return randomBytes(bytes).toString("hex");
    if (offset + bytes > POOL_BYTES) {
        pool = randomBytes(POOL_BYTES);
        offset = 0;
    }
    const hex = pool.toString("hex", offset, offset + bytes);
    offset += bytes;
    return hex;
}

export const requestId = (): string => `req_${randomHex(12)}`;
export const userId = (): string => `usr_${randomHex(12)}`;
export const tenantId = (): string => `ten_${randomHex(12)}`;
export const faultId = (): string => `flt_${randomHex(8)}`;
/** A webhook message id derived from the user id, so it is stable across attempts and restarts. */
export const messageIdFor = (userIdValue: string): string => `msg_${userIdValue.slice(4)}`;
/** A Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export const webhookSecret = (): string => `whsec_${randomBytes(24).toString("base64")}`;

export function credentialsFor(dialect: "zquence" | "geldstuck"): { apiKey: string; apiSecret: string } {
    const prefix = dialect === "zquence" ? "zq" : "gs";
    return { apiKey: `${prefix}_pk_${randomHex(12)}`, apiSecret: `${prefix}_sk_${randomHex(24)}` };
}

export function projectsKeys(): { testSecretKey: string; liveSecretKey: string } {
    return { testSecretKey: `sk_test_${randomHex(24)}`, liveSecretKey: `sk_live_${randomHex(24)}` };
}
