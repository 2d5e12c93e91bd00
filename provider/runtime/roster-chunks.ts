/** A roster's bulk calls: chunks of at most the dialect's call limit, a few in flight. */
import type { DialectClient, OutcomeKind, UserOutcome } from "../dialects/types";
import type { NormalizedUser } from "../schema";
import { info } from "./log";
import { mayHaveLanded } from "./outcomes";

/**
 * Sends `users` in chunks, `concurrency` at a time, reporting each chunk's outcomes as it lands.
 * After a chunk fails for good no new chunk starts; those in flight finish and are recorded.
 */
export async function sendChunks(
    client: DialectClient,
    users: NormalizedUser[],
    inputs: { label: string; chunkSize: number; concurrency: number },
    onOutcomes: (o: UserOutcome[]) => OutcomeKind[],
    onLost: (chunk: NormalizedUser[]) => void,
): Promise<{ error?: Error }> {
    const size = Math.min(inputs.chunkSize, client.maxBatch);
    const chunks: NormalizedUser[][] = [];
    for (let i = 0; i < users.length; i += size) chunks.push(users.slice(i, i + size));
    let next = 0;
    let sent = 0;
    let error: Error | undefined;
    const worker = async () => {
        while (!error && next < chunks.length) {
            const index = next++;
            try {
                // The progress line counts what is recorded (a lost answer's adopted are present).
                const outcomes = onOutcomes(await client.addUsersBulk(chunks[index]));
                sent += chunks[index].length;
                const n = (k: OutcomeKind) => outcomes.filter((o) => o === k).length;
                await info(
                    `roster ${inputs.label}: chunk ${index + 1}/${chunks.length} done (${sent}/${users.length} users): ` +
                        `${n("created")} created, ${n("adopted")} adopted, ${n("present")} present, ${n("failed")} failed`,
                );
            } catch (err) {
                // A lost answer may have been committed: its users are recorded as unsettled.
                if (mayHaveLanded(err)) onLost(chunks[index]);
                error ??= err as Error;
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(inputs.concurrency, chunks.length) }, worker));
    return { error };
}
