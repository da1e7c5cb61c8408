/**
 * Resolves `%SETTING%` binding expressions in trigger options (hub names, consumer groups, schedules)
 * from the app settings, as the Functions host does. An unknown setting is a startup error naming it.
 */
export function resolveBindingExpression(value: string, settings: Readonly<Record<string, string | undefined>>): string {
  return value.replace(/%([^%]+)%/g, (_whole, name: string) => {
    const resolved = settings[name];
    if (resolved === undefined || resolved === '') {
      throw new Error(`Binding expression %${name}% refers to the app setting "${name}", which is not set.`);
    }
    return resolved;
  });
}
