export { HttpClient, sharedHttpClient, closeSharedHttpClients, errorCode } from "./client";
export type { HttpClientOptions, HttpRequest, HttpResponse } from "./client";
export {
    DEFAULT_RETRY,
    shouldRetry,
    parseRetryAfter,
    backoffDelay,
    describeOutcome,
    mayHaveReachedServer,
    formatMs,
} from "./retry";
export type { AttemptOutcome, RetryDecision, RetryOptions } from "./retry";
