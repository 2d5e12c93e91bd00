import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../cli/pulumi-toolchain";

/**
 * Writes a throwaway Pulumi TypeScript project under `.tenant-users/<area>/` inside the repository,
 * so its program resolves this package through the self-link. Returns its directory.
 */
export function writeProgramDir(area: string, program: string, name: string, files: Record<string, string> = {}): string {
    const root = path.join(REPO_ROOT, ".tenant-users", area);
    fs.mkdirSync(root, { recursive: true });
    const dir = fs.mkdtempSync(path.join(root, `${name}-`));
    fs.writeFileSync(
        path.join(dir, "Pulumi.yaml"),
        `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: index.ts\n`,
    );
    fs.writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify(
            {
                compilerOptions: { target: "ES2022", module: "node16", moduleResolution: "node16", strict: true, skipLibCheck: true },
                files: ["index.ts"],
            },
            null,
            2,
        ),
    );
    fs.writeFileSync(path.join(dir, "index.ts"), program);
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
    return dir;
}
