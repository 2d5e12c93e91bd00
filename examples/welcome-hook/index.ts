/**
 * Welcome hook: welcome.sh runs once for the users this `up` created, and for no one else.
 *
 * The command's inputs are the roster's `createdEmails`: the emails its last `up` created. Users
 * the vendor already had (adopted) are never in it, and an `up` that changes nothing leaves it
 * as it was, so the command does not run again.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { readUsersCsv, TenantUserRoster } from "pulumi-tenant-users";

const config = new pulumi.Config("welcome");
const team = new TenantUserRoster("team", { users: readUsersCsv(config.get("teamFile") ?? "team.csv") });

export const welcome = new command.local.Command("welcome", {
    // Runs on create only. A new set of created emails replaces the command, which runs it again.
    create: "sh welcome.sh",
    // One email per line; stdin has no size limit, unlike an environment variable.
    stdin: team.createdEmails.apply((emails) => emails.join("\n")),
    triggers: [team.createdEmails],
}).stdout;

export const teamSize = team.userCount;
