/**
 * One user, one owner: within a deployment (one provider process), each normalized email on one
 * target should be declared by one resource. Two resources declaring it would each add and count
 * it on its own, so their statuses and counts would double-count one person. `check` sees every
 * resource, so it is where a second claim is noticed: a warning naming both resources, or a check
 * failure with `tenant-users:strictOwnership`.
 */
import { listSome } from "./log";

const owners = new Map<string, string>();

/**
 * Records `owner` as the resource declaring each email on `target`, and returns one line per email
 * another resource already declared (`email: declared by A and B`). Re-checking an owner is no claim.
 */
export function claimUsers(target: string, owner: string, emails: readonly string[]): string[] {
    const clashes: string[] = [];
    for (const email of emails) {
        const key = `${target}\n${email}`;
        const first = owners.get(key);
        if (first === undefined) owners.set(key, owner);
        else if (first !== owner) clashes.push(`${email} (also declared by ${first})`);
    }
    return clashes;
}

/** The message for an owner's clashes, naming both resources of each. */
export function describeClashes(owner: string, clashes: string[]): string {
    return (
        `${owner} declares ${clashes.length} user${clashes.length === 1 ? "" : "s"} another resource of this stack already declares on the same tenant: ` +
        `${listSome(clashes, 10)}. Each resource would add and count the user on its own; declare each user in one resource ` +
        `(set tenant-users:strictOwnership to true to make this an error).`
    );
}
