/**
 * The fastify application: JSON parsing, request ids, JSON errors for
 * everything (unknown routes, wrong content types, oversized or malformed
 * bodies), and the route modules of each dialect.
 */
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { EmulatorContext } from "./context";
import { EmulatorError, Errors, errorBody } from "./errors";
import { requestId } from "./ids";
import { sendError } from "./pipeline";
import { controlRoutes } from "./routes/control";
import { projectsRoutes } from "./routes/projects";
import { GELDSTUCK, tenantsApiRoutes, ZQUENCE } from "./routes/tenants-api";

export const BODY_LIMIT = 16 * 1024 * 1024;
export const REQUEST_ID_HEADER = "x-request-id";

const FASTIFY_ERRORS: Record<string, (typeof Errors)[keyof typeof Errors]> = {
    FST_ERR_CTP_INVALID_MEDIA_TYPE: Errors.unsupportedMediaType,
    FST_ERR_CTP_BODY_TOO_LARGE: Errors.bodyTooLarge,
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: Errors.contentLengthMismatch,
    FST_ERR_CTP_EMPTY_JSON_BODY: Errors.invalidJson,
    FST_ERR_CTP_INVALID_JSON_BODY: Errors.invalidJson,
};

export function buildServer(ctx: EmulatorContext, log: boolean): FastifyInstance {
    const app = Fastify({
        logger: log ? { level: "info" } : false,
        bodyLimit: BODY_LIMIT,
        genReqId: () => requestId(),
        requestIdHeader: false,
        forceCloseConnections: true,
        return503OnClosing: true,
        // Bad URL encodings and the like: our error shape too.
        frameworkErrors: (_error, req, reply) => {
            reply.header(REQUEST_ID_HEADER, req.id);
            return sendError(reply, Errors.malformedRequest);
        },
        // Unparseable HTTP (bad request line, truncated body): answered on the raw socket.
        clientErrorHandler: (error, socket) => {
            if ((error as NodeJS.ErrnoException).code === "ECONNRESET" || socket.destroyed) return;
            if (socket.writable) {
                const id = requestId();
                const body = JSON.stringify(errorBody(Errors.malformedRequest, id));
                socket.write(
                    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
                        `${REQUEST_ID_HEADER}: ${id}\r\nConnection: close\r\n\r\n${body}`,
                );
            }
            socket.destroy();
        },
    });

    app.decorateRequest("tenant", null);
    app.decorateRequest("mode", null);
    app.decorateRequest("fault", null);
    app.decorateRequest("rawBody", undefined);

    // JSON only: an empty body is "no body" (each route decides what that means).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
        const text = body as string;
        req.rawBody = text;
        if (text.trim() === "") return done(null, undefined);
        try {
            done(null, JSON.parse(text));
        } catch {
            done(new EmulatorError(Errors.invalidJson), undefined);
        }
    });

    app.addHook("onRequest", async (req, reply) => {
        reply.header(REQUEST_ID_HEADER, req.id);
        if (req.is404) return sendError(reply, Errors.notFound);
        return undefined;
    });

    app.setNotFoundHandler((_req, reply) => sendError(reply, Errors.notFound));

    app.setErrorHandler((error: FastifyError | EmulatorError, req, reply) => {
        if (error instanceof EmulatorError) return sendError(reply, error.def, error.headers, error.detail);
        const known = error.code !== undefined ? FASTIFY_ERRORS[error.code] : undefined;
        if (known !== undefined) return sendError(reply, known);
        const status = (error as FastifyError).statusCode;
        if (status !== undefined && status >= 400 && status < 500) return sendError(reply, Errors.malformedRequest);
        req.log.error({ err: error }, "unexpected error");
        return sendError(reply, Errors.internalError);
    });

    app.register(tenantsApiRoutes(ctx, ZQUENCE), { prefix: "/zquence" });
    app.register(tenantsApiRoutes(ctx, GELDSTUCK), { prefix: "/geldstuck" });
    app.register(projectsRoutes(ctx), { prefix: "/projects" });
    app.register(controlRoutes(ctx), { prefix: "/_emulator" });
    return app;
}
