/**
 * Image references as people type them ("busybox", "ghcr.io/org/app:1.2",
 * "127.0.0.1:5000/x@sha256:…"), parsed with the grammar of the distribution
 * project so that what a registry accepts, we accept, and nothing else.
 */
import { ImageError } from './errors.js';
import { parseDigest } from './digest.js';

/** Docker Hub's name in references; the API itself lives on another host. */
export const dockerHubDomain = 'docker.io';
const dockerHubApiHost = 'registry-1.docker.io';
/** Total length limit on "domain/path", as in the distribution reference grammar. */
export const referenceNameCharsMax = 255;

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const domainPattern = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$/;
const ipv6DomainPattern = /^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;

export interface ImageReference {
  /** Registry host as written in references, e.g. "docker.io", "127.0.0.1:5000". */
  readonly domain: string;
  /** Repository path inside the registry, e.g. "library/busybox". */
  readonly repository: string;
  /** Tag; "latest" when neither tag nor digest was given. Undefined for a digest-only reference. */
  readonly tag: string | undefined;
  /** "sha256:…" when the reference pins content. */
  readonly digest: string | undefined;
}

export function parseReference(text: string): ImageReference {
  const bad = (why: string): ImageError =>
    new ImageError('EDGE_IMAGE_BAD_REFERENCE', `image reference "${text}" is invalid: ${why}; write it as [registry/]repository[:tag][@sha256:<64 hex>]`);
  if (text.length === 0) throw bad('it is empty');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest);
    } catch (error) {
      throw bad(`the digest "${digest}" is malformed (${(error as Error).message})`);
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) throw bad(`the tag "${tag}" must be 1-128 of [A-Za-z0-9_.-], not starting with . or -`);
  }
  const { domain, repository } = splitDomain(rest, bad);
  if (domain.length + 1 + repository.length > referenceNameCharsMax) throw bad(`the name is longer than ${referenceNameCharsMax} characters`);
  for (const component of repository.split('/')) {
    if (!pathComponent.test(component)) {
      throw bad(`the path component "${component}" must be lowercase letters and digits, separated by ".", "_", "__" or "-"`);
    }
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { domain, repository, tag, digest };
}

function splitDomain(name: string, bad: (why: string) => ImageError): { domain: string; repository: string } {
  if (name.length === 0) throw bad('the repository name is empty');
  const slash = name.indexOf('/');
  const first = slash < 0 ? name : name.slice(0, slash);
  // The first component is a registry only when it looks like a host: it has a
  // dot or a port, or is "localhost"; otherwise "org/app" is a Docker Hub path.
  const looksLikeHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['));
  if (!looksLikeHost) {
    const repository = slash < 0 ? `library/${name}` : name;
    return { domain: dockerHubDomain, repository };
  }
  if (!domainPattern.test(first) && !ipv6DomainPattern.test(first)) throw bad(`the registry "${first}" is not a valid host[:port]`);
  let domain = first;
  if (domain === 'index.docker.io') domain = dockerHubDomain;
  let repository = name.slice(slash + 1);
  if (domain === dockerHubDomain && !repository.includes('/')) repository = `library/${repository}`;
  return { domain, repository };
}

/** The canonical text: "docker.io/library/busybox:latest", "host:5000/x@sha256:…". */
export function formatReference(reference: ImageReference): string {
  let text = `${reference.domain}/${reference.repository}`;
  if (reference.tag !== undefined) text += `:${reference.tag}`;
  if (reference.digest !== undefined) text += `@${reference.digest}`;
  return text;
}

/** The reference without tag or digest, naming the repository ("docker.io/library/busybox"). */
export function repositoryName(reference: ImageReference): string {
  return `${reference.domain}/${reference.repository}`;
}

/** Host[:port] the registry API answers on (Docker Hub's differs from its reference domain). */
export function registryApiHost(domain: string): string {
  return domain === dockerHubDomain ? dockerHubApiHost : domain;
}
