/** Caller-chosen text echoed in a message (a field name, a list entry): bounded, control characters shown as `?`. Pure. */
export function printable(text: string, maxLength = 64): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}...` : clean;
}
