/**
 * How our resources reach the provider process. A Node dynamic resource is a custom resource of
 * type `pulumi-nodejs:dynamic/…` whose `__provider` input is the text of a module; the launcher
 * (`pulumi-resource-pulumi-nodejs`) loads that text and calls its `handler()` for the provider
 * object. `pulumi.dynamic.Resource` writes that text with Pulumi's closure serializer; we write it
 * by hand, one line that loads the runtime by module name when the provider process calls it.
 *
 * Why: the text is stored in every resource's inputs and outputs, and the engine rewrites the
 * whole checkpoint after each step, so state bytes pace an `up` of many resources. The serializer
 * wrote ~1.9 KB for our six delegating methods; this is under 100 bytes (1,000 dynamic resources,
 * measured here: `up` 54 s with a 90-byte provider, 169 s with 3.9 KB). It captures nothing (no
 * live object, no secret), and stays the same across versions of this package, since a changed
 * text would show every resource as changed. `read` is left out of the runtime's providers: the
 * launcher then returns the recorded state, which is what refresh must do with no read endpoint.
 */
import * as pulumi from "@pulumi/pulumi";

export type DynamicKind = "TenantUser" | "TenantUserRoster";

const RUNTIME_EXPORT: Record<DynamicKind, string> = { TenantUser: "tenantUser", TenantUserRoster: "tenantUserRoster" };

/** The `__provider` text of each kind (what the launcher loads). */
export function providerText(kind: DynamicKind): string {
    return `exports.handler = () => require("pulumi-tenant-users/runtime").${RUNTIME_EXPORT[kind]};\n`;
}

/** A dynamic resource served by `pulumi-tenant-users/runtime`: what `pulumi.dynamic.Resource` registers, with our provider text. */
export abstract class TenantUsersDynamicResource extends pulumi.CustomResource {
    protected constructor(kind: DynamicKind, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        if ("__provider" in props) throw new Error("a dynamic resource must not define the __provider key");
        super(`pulumi-nodejs:dynamic/tenant-users:${kind}`, name, { ...props, __provider: providerText(kind) }, opts);
    }
}
