import { z } from "zod";
import { redact } from "../errors";
import type { HttpClient, HttpResponse } from "../http/client";
import type { NormalizedUser } from "../schema/user";
import { checkBatch, sentCount, errorFromResponse, malformed, parseShape, sameEmail, vendorUser } from "./shared";
import type { MapContext } from "./shared";
import type { Connection, DialectClient, UserOutcome } from "./types";

// The seed names no path; the emulator's contract chose this one.
export const USERS_PATH = "/v1/users";

const vendorRecord = z.object({
  id: z.string().min(1),
  email: z.string(),
  name: z.string().nullish(),
  country: z.string().nullish(),
});

const issue = z.discriminatedUnion("status", [
  z.object({ index: z.number().int().nonnegative(), email: z.string().nullish(), status: z.literal("already_exists"), user: vendorRecord }),
  z.object({ index: z.number().int().nonnegative(), email: z.string().nullish(), status: z.literal("invalid"), reason: z.string() }),
]);

const answer = z.object({
  data: z.object({ created: z.array(vendorRecord), issues: z.array(issue) }),
  summary: z.object({ requested: z.number().int() }).loose().optional(),
});

// 400s about the list itself; missing_body, invalid_format and invalid_json
// mean we built the request wrong and fall through to VendorError.
const LIST_CODES = ["empty_array", "too_many_users"];

const REASON_TEXT: Readonly<Record<string, string>> = {
  invalid_email: "the email is not valid",
  invalid_country: "the country is not an ISO 3166-1 alpha-2 code",
  invalid_name: "the name is not valid",
  missing_email: "the email is missing",
  duplicate_in_request: "the email appears earlier in the same request",
};

/**
 * Maps every answer of `POST /v1/users` to outcomes (one per user sent, in
 * order) or a typed error. 201 and 207 share a body; each user must be
 * accounted for exactly once, by email among `created` or by index among `issues`.
 */
export function mapProjectsResponse(res: HttpResponse, users: NormalizedUser[], ctx: MapContext): UserOutcome[] {
  if (res.status !== 201 && res.status !== 207) throw errorFromResponse(res, ctx, LIST_CODES);
  const a = parseShape(answer, res, ctx);
  if (a.summary && a.summary.requested !== users.length) {
    throw malformed(res, ctx, `summary.requested is ${a.summary.requested}, but ${sentCount(users.length)}`);
  }
  const position = new Map(users.map((u, i) => [u.email, i]));
  const outcomes: (UserOutcome | undefined)[] = new Array(users.length);
  const claim = (i: number, outcome: UserOutcome) => {
    if (outcomes[i]) throw malformed(res, ctx, `${JSON.stringify(users[i]!.email)} is accounted for twice`);
    outcomes[i] = outcome;
  };

  for (const c of a.data.created) {
    const i = position.get(c.email.trim().toLowerCase());
    if (i === undefined) throw malformed(res, ctx, `created[] holds ${JSON.stringify(c.email)}, which was not sent`);
    claim(i, { email: users[i]!.email, kind: "created", id: c.id, user: vendorUser(c) });
  }
  for (const x of a.data.issues) {
    const user = users[x.index];
    if (!user) throw malformed(res, ctx, `issues[] names index ${x.index}, but only ${sentCount(users.length)}`);
    if (typeof x.email === "string" && !sameEmail(x.email, user.email)) {
      throw malformed(res, ctx, `issues[] index ${x.index} is ${JSON.stringify(x.email)}, but that user was ${JSON.stringify(user.email)}`);
    }
    if (x.status === "already_exists") {
      // After an ambiguous retry the "existing" user may be our first attempt's.
      claim(x.index, { email: user.email, kind: res.ambiguousRetry ? "present" : "adopted", id: x.user.id, user: vendorUser(x.user) });
    } else {
      const text = REASON_TEXT[x.reason] ?? `refused (${redact(x.reason, ctx.secrets)})`;
      claim(x.index, { email: user.email, kind: "failed", error: { code: redact(x.reason, ctx.secrets), message: `projects refused the user: ${text}` } });
    }
  }
  const missing = outcomes.findIndex((o) => o === undefined);
  if (missing >= 0 || outcomes.length !== users.length) {
    const at = missing >= 0 ? missing : outcomes.length;
    throw malformed(res, ctx, `${JSON.stringify(users[at]?.email)} (index ${at}) is neither in created[] nor in issues[]`);
  }
  return outcomes as UserOutcome[];
}

/** The projects API (seed 002): bulk only, keyed by a TEST or LIVE secret key. */
export class ProjectsClient implements DialectClient {
  readonly dialect = "projects" as const;
  readonly maxBatch = 1_000;
  readonly bulkNamesEachOutcome = true;
  private readonly ctx: MapContext;
  private readonly headers: Record<string, string>;

  constructor(conn: Connection, private readonly http: HttpClient) {
    this.ctx = { dialect: "projects", secrets: [conn.secretKey] };
    this.headers = { authorization: conn.secretKey ?? "" };
  }

  /**
   * A bulk of one: the API has no single endpoint, and needs no
   * Idempotency-Key because a replay answers `already_exists`.
   */
  async addUser(user: NormalizedUser, _idempotencyKey: string): Promise<UserOutcome> {
    const [outcome] = await this.addUsersBulk([user]);
    return outcome!;
  }

  async addUsersBulk(users: NormalizedUser[]): Promise<UserOutcome[]> {
    checkBatch(users, this.maxBatch, this.dialect);
    if (users.length === 0) return [];
    const body = users.map((u) => {
      const out: Record<string, string> = { email: u.email };
      if (u.name !== undefined) out.name = u.name;
      if (u.country !== undefined) out.country = u.country;
      return out;
    });
    const res = await this.http.request({ method: "POST", path: USERS_PATH, headers: this.headers, body: { users: body }, dialect: "projects" });
    return mapProjectsResponse(res, users, this.ctx);
  }
}
