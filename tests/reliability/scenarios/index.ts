/**
 * Reliability scenarios, parameterised by size: the mocha tests in this folder run them small,
 * `npm run soak` (scripts/soak.ts) runs them at the sizes. Each returns a ScenarioResult
 * with the counts a soak line prints and the list of problems it saw (empty = passed); tests
 * assert the counts one behaviour at a time.
 *
 * Every scenario owns its emulator, tenants and stacks, and cleans them up.
 */
export { formatResult, type ScenarioResult } from "./steps";
export * from "./storms";
export * from "./crashes";
export * from "./bad-requests";
export * from "./bad-answers";
export * from "./secrets";
