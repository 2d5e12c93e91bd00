/**
 * What a roster's `up` must do: which declared users to add (new ones, and unsettled ones whose
 * answer was lost), which recorded users to keep or forget, and which changed fields cannot be applied.
 */
import type { DesiredUsers, Packed, RecordedUser } from "../roster-codec";
import { unpack } from "../roster-codec";
import type { NormalizedUser } from "../schema";

const MUTABLE = ["name", "phone", "country"] as const;

export interface Plan {
    add: NormalizedUser[];
    keep: RecordedUser[];
    forget: string[];
    ignored: string[];
    desired: DesiredUsers;
    /** Users among `add` whose earlier add lost its answer, with their unsettled records. */
    unsettled: Map<string, RecordedUser>;
}

export function plan(recordedPacked: Packed<RecordedUser[]> | undefined, desiredPacked: Packed<DesiredUsers>): Plan {
    const recorded = recordedPacked ? unpack(recordedPacked) : [];
    const desired = unpack(desiredPacked);
    const byEmail = new Map(recorded.map((r) => [r[0], r]));
    const wanted = new Set(desired.users.map((u) => u.email));
    const add: NormalizedUser[] = [];
    const keep: RecordedUser[] = [];
    const ignored: string[] = [];
    const unsettled = new Map<string, RecordedUser>();
    for (const u of desired.users) {
        const r = byEmail.get(u.email);
        if (!r || r[4] === "u") {
            add.push(u);
            if (r) unsettled.set(u.email, r);
            continue;
        }
        keep.push(r);
        const held = { name: r[1], phone: r[2], country: r[3] };
        const changed = MUTABLE.filter((f) => u[f] !== undefined && u[f] !== held[f]);
        if (changed.length) ignored.push(`${u.email} (${changed.join(", ")})`);
    }
    const forget = recorded.filter((r) => !wanted.has(r[0])).map((r) => r[0]);
    return { add, keep, forget, ignored, desired, unsettled };
}
