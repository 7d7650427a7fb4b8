import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/** A random public id and a 256-bit secret; only the secret's SHA-256 is stored (it is too long to guess). */
export function newSecret(): { id: string; secret: string; secretHash: string } {
  const id = randomBytes(8).toString("hex"); // hex: an id never starts with "-", which a CLI would take for an option
  const secret = randomBytes(32).toString("base64url");
  return { id, secret, secretHash: hashSecret(secret) };
}

/** A token's public id, as newSecret makes it: what the console names a token by. */
export const tokenId = z.string().regex(/^[0-9a-f]{16}$/, "a token id is 16 hex digits");

export const hashSecret = (secret: string) => createHash("sha256").update(secret).digest("hex");

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return given.length === stored.length && timingSafeEqual(given, stored);
}

export type TokenKind = "vge" | "vga" | "vgt" | "vgs"; // enrollment token, agent credential, API token, session

export const formatToken = (kind: TokenKind, id: string, secret: string) => `${kind}_${id}.${secret}`;

/** `<kind>_<id>.<secret>` -> its parts, or null when the text is not a token of that kind. */
export function parseToken(kind: TokenKind, text: string): { id: string; secret: string } | null {
  const match = /^([a-z]{3})_([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{16,128})$/.exec(text.trim());
  if (!match || match[1] !== kind) return null;
  return { id: match[2] as string, secret: match[3] as string };
}
