import { resetServices } from '../../shared/services';

/**
 * Sets app settings in `process.env` for a test (as the host would) and gives back a function that
 * restores the previous values. Shared clients are reset both times so they pick up the settings.
 */
export function applyAppSettings(settings: Record<string, string | undefined>): () => void {
  const previous = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
  const assign = (values: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetServices();
  };
  assign(settings);
  return () => assign(previous);
}
