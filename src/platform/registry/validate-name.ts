/**
 * The rules for registry names and ids. Every name or id may end up as one topic level (a dialect puts
 * a device id, a zone name or a module name into its topics), so none may contain `/`, `+`, `#` or
 * U+0000, nor any other control character; ids are further restricted to characters that are safe in
 * URLs and logs without escaping.
 *
 * Each function returns why a value is not acceptable, or undefined when it is.
 * @module
 */

/** Entity ids: a letter, digit or `_`, then up to 127 letters, digits or `. _ : ~ -`. */
export const ID_PATTERN = "^[A-Za-z0-9_][A-Za-z0-9._:~-]{0,127}$";
/** Tenant ids: as tenant names everywhere else (configuration, token claims). */
export const TENANT_ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$";
/** API key ids: what fits between `sbk_` and the secret in a key (see src/auth/api-key.ts). */
export const API_KEY_ID_PATTERN = "^[A-Za-z0-9-]{1,64}$";
/** Role names (as in the configuration). */
export const ROLE_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$";
/** Scopes: printable ASCII without spaces (e.g. `mqtt:write`). */
export const SCOPE_PATTERN = "^[\\x21-\\x7e]{1,128}$";
/** Dialect names (e.g. `gooee`, `placeos`). */
export const DIALECT_PATTERN = "^[a-z][a-z0-9-]{0,31}$";
/** Longest name, in UTF-16 code units. */
export const MAX_NAME_LENGTH = 256;

const ID = new RegExp(ID_PATTERN);
const TENANT_ID = new RegExp(TENANT_ID_PATTERN);
const API_KEY_ID = new RegExp(API_KEY_ID_PATTERN);
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const FORBIDDEN_IN_NAME = /[/+#\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function quote(value: string): string {
  return JSON.stringify(value);
}

/**
 * Why `name` cannot be an entity name: 1 to 256 characters, no `/`, `+`, `#`, U+0000 or other control
 * character (C0, DEL and C1), no lone surrogate, no leading or trailing white space.
 * @example
 * ```ts
 * nameError("Level 2"); // undefined
 * nameError("a/b"); // '"a/b" must not contain "/", "+", "#" or control characters'
 * ```
 */
export function nameError(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (name.length > MAX_NAME_LENGTH)
    return `must be at most ${MAX_NAME_LENGTH} characters, not ${name.length}`;
  if (FORBIDDEN_IN_NAME.test(name))
    return `${quote(name)} must not contain "/", "+", "#" or control characters (U+0000 included)`;
  // a lone surrogate has no UTF-8 form: it could not be a topic level or a payload's text
  if (LONE_SURROGATE.test(name))
    return `${quote(name)} must be well-formed Unicode (a lone surrogate cannot be written as UTF-8)`;
  if (hasNoncharacter(name))
    return `${quote(name)} must not contain a Unicode noncharacter (U+FDD0 to U+FDEF, U+FFFE, U+FFFF...): MQTT says a topic should not, and clients drop one`;
  if (name.trim() !== name) return `${quote(name)} must not begin or end with white space`;
  return undefined;
}

/**
 * Whether `text` holds a Unicode noncharacter: U+FDD0 to U+FDEF, or the last two code points of a
 * plane (U+FFFE, U+FFFF, U+1FFFE ... U+10FFFF). MQTT 5 (1.5.4) says topic strings should not contain
 * them, and a receiver may take the packet as malformed (libmosquitto does).
 */
export function hasNoncharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xfdd0 && (unit <= 0xfdef || unit >= 0xfffe)) return true;
    // U+nFFFE and U+nFFFF of the other planes: a high surrogate ending in 3F/7F/BF/FF, then DFFE or DFFF
    if ((unit & 0xfffe) === 0xdffe && i > 0) {
      const high = text.charCodeAt(i - 1);
      if (high >= 0xd800 && high <= 0xdbff && (high & 0x3f) === 0x3f) return true;
    }
  }
  return false;
}

/** Why `id` cannot be an entity id (see {@link ID_PATTERN}). */
export function idError(id: string): string | undefined {
  if (ID.test(id)) return undefined;
  return `${quote(id)} is not a valid id: 1 to 128 letters, digits or ". _ : ~ -", not beginning with ". : ~ -"`;
}

/** Why `id` cannot be a tenant id (see {@link TENANT_ID_PATTERN}). */
export function tenantIdError(id: string): string | undefined {
  if (TENANT_ID.test(id)) return undefined;
  return `${quote(id)} is not a valid tenant id: 1 to 64 letters, digits or ". _ : -", beginning with a letter or digit`;
}

/** Why `id` cannot be an API key id (see {@link API_KEY_ID_PATTERN}). */
export function apiKeyIdError(id: string): string | undefined {
  if (API_KEY_ID.test(id)) return undefined;
  return `${quote(id)} is not a valid API key id: 1 to 64 letters, digits or dashes`;
}

/** Why `value` does not match `pattern` (a list item such as a role, scope or dialect name). */
export function patternError(value: string, pattern: string, what: string): string | undefined {
  if (new RegExp(pattern).test(value)) return undefined;
  return `${quote(value)} is not a valid ${what} (must match ${pattern})`;
}
