export { DIALECTS, DIALECT_FIELDS, EMAIL_MAX, NAME_MAX, checkUser, validateUser, show } from "./user";
export { emailSchema, nameSchema, phoneSchema, countrySchema } from "./user";
export type { Dialect, UserField, UserInput, NormalizedUser, FieldFailure } from "./user";
export { validateRoster } from "./roster";
export type { InvalidRow, RosterOptions, RosterResult } from "./roster";
export { ISO_COUNTRY_CODES, isCountryCode, toCountryCode } from "./countries";
export { parseUsersCsv, parseUsersCsvRows, readUsersCsv, readUsersCsvRows } from "./csv";
export type { CsvOptions, CsvRows, CsvUser } from "./csv";
