/**
 * Quickstart: three users of a Zquence tenant. The credentials are stack config secrets
 * (`tenant-users:apiKey`, `tenant-users:apiSecret`), read by the provider, never by this program.
 */
import { TenantUser } from "pulumi-tenant-users";

const ada = new TenantUser("ada", { email: "ada@example.com", name: "Ada Lovelace", phone: "+14155552671" });
const grace = new TenantUser("grace", { email: "grace@example.com", name: "Grace Hopper" });
const alan = new TenantUser("alan", { email: "alan@example.com", name: "Alan Turing" });

// "created" by this stack, or "adopted" when the tenant already had the user.
export const statuses = { ada: ada.status, grace: grace.status, alan: alan.status };
