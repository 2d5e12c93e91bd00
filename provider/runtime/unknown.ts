/** What the engine sends, at preview, for an input not known until `up` (an Output of another resource). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
