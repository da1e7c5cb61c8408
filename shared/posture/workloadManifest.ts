import { parse } from 'yaml';
import { type JsonObject } from '../kubernetes/jsonValues';

/** An example's manifest as an object: YAML text is parsed (one document), an object is taken as it is. */
export function manifestObject(manifest: string | JsonObject): unknown {
  return typeof manifest === 'string' ? (parse(manifest) as unknown) : manifest;
}
