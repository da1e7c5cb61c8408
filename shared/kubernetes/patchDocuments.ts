import { asObject, asString, type JsonObject } from './jsonValues';

/**
 * Turns a JSON patch (RFC 6902 array of operations) into the partial object its `add`/`replace`
 * operations write, so that rules read a patch the same way as a strategic-merge or merge patch:
 * `[{op:"add", path:"/spec/containers/0/securityContext/privileged", value:true}]` becomes
 * `{spec:{containers:[{securityContext:{privileged:true}}]}}`. Removals and tests write nothing.
 */
export function jsonPatchToPartialObject(operations: readonly unknown[]): JsonObject {
  const root: JsonObject = {};
  for (const operation of operations) {
    const op = asObject(operation);
    const kind = asString(op?.op);
    const path = asString(op?.path);
    if (op === undefined || path === undefined || (kind !== 'add' && kind !== 'replace' && kind !== 'copy')) continue;
    if (kind === 'copy' || !('value' in op)) continue;
    const segments = path.split('/').slice(1).map(unescapePointerSegment);
    if (segments.length === 0) {
      const whole = asObject(op.value);
      if (whole) Object.assign(root, whole);
      continue;
    }
    setAt(root, segments, op.value);
  }
  return root;
}

/** True when the value is an RFC 6902 JSON patch rather than an object. */
export function isJsonPatch(value: unknown): value is readonly unknown[] {
  return Array.isArray(value) && value.every((item) => typeof asObject(item)?.op === 'string');
}

function setAt(root: JsonObject, segments: string[], value: unknown): void {
  let current: JsonObject | unknown[] = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const last = i === segments.length - 1;
    const nextIsIndex = !last && isIndexSegment(segments[i + 1] as string);
    if (Array.isArray(current)) {
      const position = segment === '-' ? current.length : Number(segment);
      if (!Number.isInteger(position) || position < 0 || position > 10_000) return;
      if (last) {
        current[position] = value;
        return;
      }
      current[position] ??= nextIsIndex ? [] : {};
      const next: unknown = current[position];
      if (typeof next !== 'object' || next === null) return;
      current = next as JsonObject | unknown[];
    } else {
      if (segment === '__proto__' || segment === 'constructor' || segment === 'prototype') return;
      if (last) {
        current[segment] = value;
        return;
      }
      current[segment] ??= nextIsIndex ? [] : {};
      const next = current[segment];
      if (typeof next !== 'object' || next === null) return;
      current = next as JsonObject | unknown[];
    }
  }
}

function isIndexSegment(segment: string): boolean {
  return segment === '-' || /^\d+$/.test(segment);
}

function unescapePointerSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
