/** What the provider warns through `pulumi.log.warn`, captured in-process (no engine to send it to). */
import * as pulumi from "@pulumi/pulumi";

/** Runs `body` with `pulumi.log.warn` recording instead of sending, and returns the warnings. */
export async function warningsOf(body: () => Promise<unknown>): Promise<string[]> {
    const warnings: string[] = [];
    const log = pulumi.log as { warn: (m: string) => Promise<void> };
    const original = log.warn;
    log.warn = async (m: string) => {
        warnings.push(m);
    };
    try {
        await body();
    } finally {
        log.warn = original;
    }
    return warnings;
}
