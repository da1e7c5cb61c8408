/**
 * Container image references as a container runtime reads them: `nginx` is Docker Hub's
 * `docker.io/library/nginx:latest`, `bitnami/redis:7` is `docker.io/bitnami/redis:7`. Rules that compare
 * images with a list of registries compare these full forms, so a short name cannot pass for another
 * registry's image and a user can list `docker.io/*`. Pure and total.
 */

/** Docker Hub's canonical registry name. */
export const DOCKER_HUB = 'docker.io';

/** Other names of Docker Hub that runtimes accept as the registry part. */
const dockerHubAliases: ReadonlySet<string> = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export interface ImageReference {
  /** The registry host (with its port), lower-case: `contoso.azurecr.io`, `localhost:5000`, `docker.io`. */
  registry: string;
  /** The repository path inside the registry: `library/nginx`, `shop/web`. */
  repository: string;
  /** The tag: as written, else `latest` when there is no digest either. */
  tag?: string;
  /** The digest (`sha256:...`) when the reference pins one. */
  digest?: string;
}

/**
 * The image reference in full. The first path component is a registry only when it looks like a host
 * (has a `.` or a `:`, or is `localhost`), as the runtimes decide; otherwise the image is on Docker Hub,
 * under `library/` when it has no namespace. Undefined for an empty or blank reference.
 */
export function parseImageReference(image: string): ImageReference | undefined {
  const trimmed = image.trim();
  if (trimmed === '') return undefined;
  const at = trimmed.indexOf('@');
  const digest = at === -1 ? undefined : trimmed.slice(at + 1);
  const name = at === -1 ? trimmed : trimmed.slice(0, at);
  // A tag follows the last `:` after the last `/` (a `:` before it is a registry port).
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const tag = colon > lastSlash ? name.slice(colon + 1) : undefined;
  const path = colon > lastSlash ? name.slice(0, colon) : name;
  if (path === '' || path.endsWith('/')) return undefined;

  const firstSlash = path.indexOf('/');
  const first = firstSlash === -1 ? undefined : path.slice(0, firstSlash);
  const hasRegistry = first !== undefined && (first.includes('.') || first.includes(':') || first === 'localhost');
  let registry = hasRegistry ? first.toLowerCase() : DOCKER_HUB;
  let repository = hasRegistry ? path.slice(firstSlash + 1) : path;
  if (dockerHubAliases.has(registry)) {
    registry = DOCKER_HUB;
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  return {
    registry,
    repository,
    ...(tag !== undefined && tag !== '' ? { tag } : digest === undefined ? { tag: 'latest' } : {}),
    ...(digest !== undefined && digest !== '' ? { digest } : {}),
  };
}

/** `registry/repository` without tag or digest: `docker.io/library/nginx`. */
export function imageRepository(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}`;
}

/** The full reference: `docker.io/library/nginx:latest`, `contoso.azurecr.io/web:1.4@sha256:...`. */
export function canonicalImage(reference: ImageReference): string {
  const tag = reference.tag === undefined ? '' : `:${reference.tag}`;
  const digest = reference.digest === undefined ? '' : `@${reference.digest}`;
  return `${imageRepository(reference)}${tag}${digest}`;
}

/**
 * The forms of an image a list entry may name: the full reference and the repository alone, so
 * `contoso.azurecr.io/*`, `docker.io/library/nginx` and `docker.io/library/nginx:1.*` all work. The
 * reference as written is not among them: an entry always meets the registry first, so a short name
 * (`nginx`) is judged as the Docker Hub image it is.
 */
export function imageForms(image: string): string[] {
  const reference = parseImageReference(image);
  if (reference === undefined) return [];
  const canonical = canonicalImage(reference);
  const repository = imageRepository(reference);
  return canonical === repository ? [canonical] : [canonical, repository];
}
