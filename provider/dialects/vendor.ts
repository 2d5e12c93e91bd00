/**
 * What a vendor is, as plain data: one descriptor per vendor (zquence.ts, geldstuck.ts,
 * projects.ts), collected in ./registry. Type-only imports: this module and the descriptors load
 * nothing (no http, zod or runtime), so the program side may read them too.
 */
import type { HttpClient } from "../http/client";
import type { Connection, DialectClient } from "./types";

/** The fields a user may have; each vendor stores a subset (its `fields`). */
export type UserField = "email" | "name" | "phone" | "country";

/** The credential settings a connection may hold (config keys and `Connection` properties). */
export type CredentialKey = "apiKey" | "apiSecret" | "secretKey";

export interface VendorDescriptor<Name extends string = string> {
    /** The dialect name in config (`tenant-users:dialect`) and in messages. */
    readonly name: Name;
    /** The fields it stores, email first; any other field in a user is refused, not dropped. */
    readonly fields: readonly UserField[];
    /**
     * The credentials a connection needs, each with the vendor's environment variable, in the order
     * messages name them. The environment variables serve the default connection only.
     */
    readonly credentials: Readonly<Partial<Record<CredentialKey, string>>>;
    /** Where the API is when `baseUrl` is not set; none when the vendor names no host. */
    readonly defaultBaseUrl?: string;
    /** Most users one bulk request may carry; rosters chunk below it. */
    readonly maxBatch: number;
    /**
     * Whether a bulk answer says, for each user, created or already there. When it only counts,
     * a bulk mixing both leaves each user `present`, so small batches go as single adds.
     */
    readonly bulkNamesEachOutcome: boolean;
    /** What to check, in an authentication error's message. */
    readonly authHint: string;
    /** The vendor's per-user refusal codes, by the field they blame (others blame "user"). */
    readonly refusalFields: Readonly<Record<string, UserField>>;
    /**
     * TEST or LIVE, for vendors whose keys carry a mode (recorded in each resource's target, so a move
     * from TEST to LIVE shows in preview); absent for vendors without modes.
     */
    modeOf?(conn: Connection): "TEST" | "LIVE";
    /** The client; loads the protocol module on first use, so the descriptor stays plain data. */
    createClient(conn: Connection, http: HttpClient): DialectClient;
}
