/** Scenario 5: the emulator's bulk ingest (emulator/bench.ts), users per second. */
import { benchEmulatorIngest } from "../../../emulator/bench";
import type { BenchContext } from "../context";
import { Recorder } from "../results";

export async function emulatorScenario(ctx: BenchContext): Promise<Recorder> {
    const rec = new Recorder("emulator", "Emulator bulk ingest");
    const r = await benchEmulatorIngest({ quick: ctx.mode !== "full" });
    for (const s of r.samples) {
        const label =
            s.dialect === "zquence"
                ? `Zquence add-user-bulk, ${s.users.toLocaleString("en-US")} users per request`
                : `projects POST /v1/users, ${s.users.toLocaleString("en-US")} users per request`;
        rec.add(`emulator.${s.dialect}.users-per-second`, label, "users/s", s.users / (s.ms / 1000), {
            users: s.users,
            dialect: s.dialect,
        });
        rec.add(`emulator.${s.dialect}.request-ms`, `${label}: time per request`, "ms", s.ms, { users: s.users, dialect: s.dialect });
        rec.add(
            `emulator.${s.dialect}.users-per-cpu-second`,
            `${label}: users per CPU second (what an idle core would do)`,
            "users/s",
            s.users / (s.cpuMs / 1000),
            { users: s.users, dialect: s.dialect },
        );
        rec.add(`emulator.${s.dialect}.request-cpu-ms`, `${label}: CPU per request (client + server)`, "ms", s.cpuMs, {
            users: s.users,
            dialect: s.dialect,
        });
    }
    rec.result.details.ingest = { ...r, samples: undefined };
    rec.note(`Database: ${r.database}; client and server in one process (emulator/bench.ts).`);
    ctx.log(`emulator: Zquence ${r.zquenceUsersPerSecond} users/s, projects ${r.projectsUsersPerSecond} users/s`);
    return rec;
}
