/**
 * Total accessors over untrusted JSON: audit bodies can be anything (full objects, patches, the
 * "skipped-too-big-size-object" string), so rules read them through these and never throw.
 */
export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asStringArray(value: unknown): string[] {
  return asArray(value).filter((item): item is string => typeof item === 'string');
}

/** Reads a nested property path; undefined as soon as a step is not an object. */
export function getPath(value: unknown, ...path: string[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    const object = asObject(current);
    if (object === undefined) return undefined;
    current = object[key];
  }
  return current;
}

/** The objects of an array-valued property, skipping holes and non-objects. */
export function objectsAt(value: unknown, ...path: string[]): JsonObject[] {
  const out: JsonObject[] = [];
  for (const item of asArray(getPath(value, ...path))) {
    const object = asObject(item);
    if (object !== undefined) out.push(object);
  }
  return out;
}
