import { z } from "zod";
import type { HttpClient, HttpResponse } from "../http/client";
import type { NormalizedUser, UserField } from "../schema/user";
import { redact } from "../errors";
import { checkBatch, sentCount, envelope, errorFromResponse, malformed, parseShape, sameEmail, vendorUser } from "./shared";
import type { MapContext } from "./shared";
import type { Connection, DialectClient, UserOutcome } from "./types";

// Zquence (seed 000) and Geldstuck (seed 001) are one API: the same paths,
// headers and answers; Geldstuck has no phone.
export type TenantsDialect = "zquence" | "geldstuck";

export const ADD_USER = "/v1/tenants/add-user";
export const ADD_USER_BULK = "/v1/tenants/add-user-bulk";

const singleAnswer = z.object({
  id: z.string().min(1),
  email: z.string(),
  name: z.string().nullish(),
  phone: z.string().nullish(),
  status: z.enum(["created", "existing"]),
});

const bulkAnswer = z.object({
  created: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  failed: z.array(z.object({ index: z.number().int().nonnegative(), email: z.string().nullish(), error: z.string() })),
});

// Per-user refusals: the user is at fault, not the request.
const USER_CODES = new Set(["email_invalid", "phone_invalid", "name_invalid", "user_invalid"]);
// 400s about the list itself; other 400s (body_invalid, invalid_json) are our bug.
const LIST_CODES = ["empty_array", "too_many_users"];

const USER_CODE_TEXT: Readonly<Record<string, string>> = {
  email_invalid: "the email is not valid",
  phone_invalid: "the phone is not a valid E.164 number",
  name_invalid: "the name is not valid (1 to 200 characters)",
  user_invalid: "the user is not valid",
};

export type TenantsRequest = { kind: "single"; user: NormalizedUser } | { kind: "bulk"; users: NormalizedUser[] };

function refusal(ctx: MapContext, code: string, message?: string): { code: string; message: string } {
  const text = message ? redact(message, ctx.secrets) : USER_CODE_TEXT[code] ?? `refused (${code})`;
  return { code: redact(code, ctx.secrets), message: `${ctx.dialect} refused the user: ${text}` };
}

/**
 * Maps every answer of the two endpoints to outcomes (one per user sent, in
 * order) or a typed error. The one place that reads their statuses.
 */
export function mapTenantsResponse(res: HttpResponse, req: TenantsRequest, ctx: MapContext): UserOutcome[] {
  if (req.kind === "single") {
    const one = req.user;
    if (res.status === 201 || res.status === 200) {
      const a = parseShape(singleAnswer, res, ctx);
      const expected = res.status === 201 ? "created" : "existing";
      if (a.status !== expected) throw malformed(res, ctx, `status "${a.status}" does not go with HTTP ${res.status}`);
      if (!sameEmail(a.email, one.email)) throw malformed(res, ctx, `the answer is about ${JSON.stringify(a.email)}, not the user sent`);
      // A retry with the same Idempotency-Key should replay our first 201; but
      // if the vendor kept no record of an attempt that landed (say it failed
      // after committing), "existing" would be our own user: say present.
      const kind = res.status === 201 ? "created" : res.ambiguousRetry ? "present" : "adopted";
      return [{ email: one.email, kind, id: a.id, user: vendorUser(a) }];
    }
    const env = res.bodyIsJson ? envelope(res.body) : {};
    if (res.status === 400 && env.code && USER_CODES.has(env.code)) {
      return [{ email: one.email, kind: "failed", error: refusal(ctx, env.code, env.message) }];
    }
    throw errorFromResponse(res, ctx, LIST_CODES);
  }

  const users = req.users;
  if (res.status !== 200) throw errorFromResponse(res, ctx, LIST_CODES);
  const a = parseShape(bulkAnswer, res, ctx);
  const total = a.created + a.skipped + a.failed.length;
  if (total !== users.length) {
    throw malformed(res, ctx, `created ${a.created} + skipped ${a.skipped} + failed ${a.failed.length} = ${total}, but ${sentCount(users.length)}`);
  }
  const outcomes: (UserOutcome | undefined)[] = new Array(users.length);
  for (const f of a.failed) {
    const user = users[f.index];
    if (!user) throw malformed(res, ctx, `failed[] names index ${f.index}, but only ${sentCount(users.length)}`);
    if (outcomes[f.index]) throw malformed(res, ctx, `failed[] names index ${f.index} twice`);
    if (typeof f.email === "string" && !sameEmail(f.email, user.email)) {
      throw malformed(res, ctx, `failed[] index ${f.index} is ${JSON.stringify(f.email)}, but that row was ${JSON.stringify(user.email)}`);
    }
    outcomes[f.index] = { email: user.email, kind: "failed", error: refusal(ctx, f.error) };
  }
  // The answer only counts: which users were skipped is not said. All of a
  // kind can be named; a mix cannot. After an ambiguous retry our own first
  // attempt may have created the skipped ones.
  const kind = a.skipped === 0 ? "created" : a.created === 0 && !res.ambiguousRetry ? "adopted" : "present";
  return users.map((u, i) => outcomes[i] ?? { email: u.email, kind });
}

/** The Zquence/Geldstuck client; the two differ only in the fields they send. */
export class TenantsApiClient implements DialectClient {
  readonly maxBatch = 10_000;
  readonly bulkNamesEachOutcome = false;
  private readonly ctx: MapContext;
  private readonly headers: Record<string, string>;

  constructor(
    readonly dialect: TenantsDialect,
    private readonly fields: readonly UserField[],
    conn: Connection,
    private readonly http: HttpClient,
  ) {
    this.ctx = { dialect, secrets: [conn.apiKey, conn.apiSecret] };
    this.headers = { "x-api-key": conn.apiKey ?? "", "x-api-secret": conn.apiSecret ?? "" };
  }

  private body(user: NormalizedUser): Record<string, string> {
    const out: Record<string, string> = {};
    if (user.name !== undefined) out.name = user.name;
    out.email = user.email;
    if (user.phone !== undefined && this.fields.includes("phone")) out.phone = user.phone;
    return out;
  }

  async addUser(user: NormalizedUser, idempotencyKey: string): Promise<UserOutcome> {
    const res = await this.http.request({
      method: "POST",
      path: ADD_USER,
      headers: { ...this.headers, "idempotency-key": idempotencyKey },
      body: this.body(user),
      dialect: this.dialect,
    });
    return mapTenantsResponse(res, { kind: "single", user }, this.ctx)[0]!;
  }

  async addUsersBulk(users: NormalizedUser[]): Promise<UserOutcome[]> {
    checkBatch(users, this.maxBatch, this.dialect);
    if (users.length === 0) return [];
    // The bulk endpoint takes no Idempotency-Key. Retrying it (which the HTTP
    // client does on drops, 5xx and 429) is safe only because the vendor
    // skips users that already exist: a replay creates nothing twice.
    const res = await this.http.request({
      method: "POST",
      path: ADD_USER_BULK,
      headers: this.headers,
      body: users.map((u) => this.body(u)),
      dialect: this.dialect,
    });
    return mapTenantsResponse(res, { kind: "bulk", users }, this.ctx);
  }
}
