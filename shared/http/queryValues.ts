import { z } from 'zod';

/**
 * Query parameter schemas several routes share. Their messages read after the parameter's name
 * (`top must be an integer between 1 and 200`), as parseQuery reports them.
 */

/** `top`: an integer page size between 1 and `max`. */
export function pageSize(max: number) {
  const message = `must be an integer between 1 and ${max}`;
  return z
    .string()
    .regex(/^\d{1,6}$/, message)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, message);
}

/**
 * An opaque paging token: base64url of a small JSON document that `payload` validates and turns into a
 * position. Anything else is refused with `invalidMessage` (never a parse error from the inside).
 */
export function opaqueToken<T>(payload: z.ZodType<T>, invalidMessage: string) {
  return z.string().transform((token, ctx): T => {
    const invalid = (): never => {
      ctx.addIssue({ code: 'custom', message: invalidMessage });
      return z.NEVER;
    };
    if (!/^[A-Za-z0-9_-]{1,1024}$/.test(token)) return invalid();
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      return invalid();
    }
    const parsed = payload.safeParse(json);
    return parsed.success ? parsed.data : invalid();
  });
}

/** The token of a position: base64url of its JSON. */
export function encodeOpaqueToken(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/**
 * One value or comma-separated values of an enum, matched case-insensitively, returned in the enum's
 * spelling, each once (`status=active,InProgress`).
 */
export function enumList<T extends string>(values: readonly T[]) {
  const byLowerCase = new Map(values.map((v) => [v.toLowerCase(), v]));
  const message = `must be one or more of ${values.join(', ')}, separated by commas`;
  return z.string().transform((text, ctx) => {
    const chosen = new Set<T>();
    for (const part of text.split(',')) {
      const value = byLowerCase.get(part.trim().toLowerCase());
      if (value === undefined) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      chosen.add(value);
    }
    return [...chosen];
  });
}
