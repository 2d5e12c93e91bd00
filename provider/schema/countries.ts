// Country codes and names come from i18n-iso-countries (ISO 3166-1, kept up to date upstream).
// Its index plus the English locale only: the package's Node entry registers some 80 locales
// at require time (~70 ms), and this module loads in every provider process.
import * as countries from "i18n-iso-countries/index";

// require: a JSON module, and this tsconfig has no resolveJsonModule.
countries.registerLocale(require("i18n-iso-countries/langs/en.json"));

// The package also lists XK (Kosovo), a user-assigned code outside the standard. Only officially
// assigned codes count, because the projects API validates against the standard and a code it
// rejects should fail at preview, not halfway through an `up`.
const NOT_ASSIGNED: ReadonlySet<string> = new Set(["XK"]);

/** ISO 3166-1 alpha-2: the 249 officially assigned codes. */
export const ISO_COUNTRY_CODES: ReadonlySet<string> = new Set(
    Object.keys(countries.getAlpha2Codes()).filter((code) => !NOT_ASSIGNED.has(code)),
);

// Codes people type that no name lookup finds: a hint turns "not a code" into a one-keystroke fix.
const COMMON_MISTAKES: Readonly<Record<string, string>> = {
    EL: "GR", // Greece, as the EU writes it
    EN: "GB",
};

export function isCountryCode(code: string): boolean {
    return ISO_COUNTRY_CODES.has(code);
}

/**
 * The alpha-2 code of a country given as an alpha-2 code (any case), an alpha-3 code ("GBR"),
 * or an English name or common alias ("United Kingdom", "germany", "UK", "USA");
 * `undefined` when it names no assigned country.
 */
export function toCountryCode(value: string): string | undefined {
    const text = value.trim();
    const upper = text.toUpperCase();
    if (/^[A-Z]{2}$/.test(upper) && isCountryCode(upper)) return upper;
    if (/^[A-Z]{3}$/.test(upper)) {
        const code = countries.alpha3ToAlpha2(upper);
        if (code !== undefined && isCountryCode(code)) return code;
    }
    const named = text === "" ? undefined : countries.getAlpha2Code(text, "en");
    return named !== undefined && isCountryCode(named) ? named : undefined;
}

/** A likely intended code for something that is not one ("UK" → "GB", "GERMANY" → "DE"). */
export function countryHint(code: string): string | undefined {
    if (isCountryCode(code)) return undefined;
    return COMMON_MISTAKES[code] ?? toCountryCode(code);
}
