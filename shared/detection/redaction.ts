/**
 * Redaction of values that reach alerts and logs: audit logs carry secrets (tokens in commands,
 * passwords in arguments). Rules pass every free-text value they put into an alert through here.
 */

const MAX_TEXT_LENGTH = 512;
const REDACTED = '[REDACTED]';

const secretPatterns: readonly RegExp[] = [
  // JWTs (service-account tokens, Entra tokens).
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  // Authorization headers.
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi,
  // AWS access key ids.
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g,
  // user:password@ in URLs.
  /(?<=:\/\/[^/\s:@]+:)[^@\s/]+(?=@)/g,
  // --password=x, --token x, -p=x style flags with secret-looking names.
  /(?<=--?[A-Za-z0-9_-]*(?:pass(?:word|wd)?|secret|token|api[-_]?key|access[-_]?key|credential)[A-Za-z0-9_-]*[=\s])[^\s"']+/gi,
  // NAME=value where the name looks secret (env-style assignments in shell lines).
  /(?<=\b[A-Za-z0-9_]*(?:PASS(?:WORD|WD)?|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|CREDENTIAL)[A-Za-z0-9_]*=)[^\s"';&|]+/gi,
];

/** Replaces secrets in free text with [REDACTED] and caps its length. */
export function redactText(text: string): string {
  let out = text;
  for (const pattern of secretPatterns) out = out.replace(pattern, REDACTED);
  return out.length > MAX_TEXT_LENGTH ? `${out.slice(0, MAX_TEXT_LENGTH)}…` : out;
}
