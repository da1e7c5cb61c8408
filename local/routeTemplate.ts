/**
 * Azure Functions HTTP route templates (ASP.NET Core routing syntax), as the local runtime needs them:
 * literal segments (case-insensitive), `{name}`, optional `{name?}` at the end, constraints
 * `{name:int|long|bool|guid|alpha}`, and a trailing catch-all `{*name}`.
 */
export interface RouteTemplate {
  readonly template: string;
  /** Route parameters of a matching path (URL-decoded), or undefined when the path does not match. */
  match(path: string): Record<string, string> | undefined;
}

type Segment =
  | { kind: 'literal'; text: string }
  | { kind: 'parameter'; name: string; optional: boolean; constraint?: (value: string) => boolean }
  | { kind: 'catchAll'; name: string };

const CONSTRAINTS: Record<string, (value: string) => boolean> = {
  int: (v) => /^-?\d{1,10}$/.test(v) && Math.abs(Number(v)) <= 2 ** 31,
  long: (v) => /^-?\d{1,19}$/.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
  guid: (v) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(v),
  alpha: (v) => /^[A-Za-z]+$/.test(v),
};

export function compileRouteTemplate(template: string): RouteTemplate {
  const segments = splitPath(template).map((raw, index, all) => parseSegment(raw, index === all.length - 1, template));
  return {
    template,
    match(path) {
      const parts = splitPath(path);
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const segment = segments[i]!;
        const part = parts[i];
        if (segment.kind === 'catchAll') {
          params[segment.name] = parts.slice(i).map(safeDecode).join('/');
          return params;
        }
        if (part === undefined) return segment.kind === 'parameter' && segment.optional ? params : undefined;
        const value = safeDecode(part);
        if (segment.kind === 'literal') {
          if (value.toLowerCase() !== segment.text.toLowerCase()) return undefined;
        } else {
          if (segment.constraint && !segment.constraint(value)) return undefined;
          params[segment.name] = value;
        }
      }
      return parts.length === segments.length ? params : undefined;
    },
  };
}

function parseSegment(raw: string, isLast: boolean, template: string): Segment {
  const whole = /^\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?(\?)?\}$/.exec(raw);
  if (!whole) {
    if (raw.includes('{') || raw.includes('}')) {
      throw new Error(`Route "${template}": segment "${raw}" is not supported by the local runtime (one parameter per segment).`);
    }
    return { kind: 'literal', text: raw };
  }
  const [, star, name = '', constraintName, optional] = whole;
  if (star) {
    if (!isLast) throw new Error(`Route "${template}": the catch-all {*${name}} must be the last segment.`);
    return { kind: 'catchAll', name };
  }
  if (optional && !isLast) throw new Error(`Route "${template}": optional parameter {${name}?} must be the last segment.`);
  if (constraintName === undefined) return { kind: 'parameter', name, optional: optional !== undefined };
  const constraint = CONSTRAINTS[constraintName];
  if (!constraint) throw new Error(`Route "${template}": constraint "${constraintName}" is not supported by the local runtime.`);
  return { kind: 'parameter', name, optional: optional !== undefined, constraint };
}

function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part.length > 0);
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
