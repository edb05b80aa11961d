package dev.poc.image;

import dev.poc.InvalidSpecException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image name as Docker reads it: {@code [registry/]repository[:tag][@digest]}. A name without a
 * registry is on Docker Hub ({@code docker.io}); a Hub name of one part is under {@code library/};
 * a name with neither tag nor digest means {@code :latest}. The first part is a registry when it
 * has a '.' or a ':' or is {@code localhost}, as Docker decides.
 */
public record ImageReference(String registry, String repository, Optional<String> tag, Optional<Digest> digest) {
  /** Docker Hub's name in references. */
  public static final String DOCKER_HUB = "docker.io";
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern REGISTRY = Pattern.compile("[A-Za-z0-9.-]+(?::[0-9]{1,5})?|\\[[0-9a-fA-F:]+\\](?::[0-9]{1,5})?");

  /** Parses {@code text}; an invalid name is refused with what was wrong. */
  public static ImageReference parse(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidSpecException("image name is empty: give one such as busybox:1.36 or registry.example:5000/team/app@sha256:...");
    }
    String rest = text.trim();
    Optional<Digest> digest = Optional.empty();
    int at = rest.indexOf('@');
    if (at >= 0) {
      try {
        digest = Optional.of(Digest.parse(rest.substring(at + 1)));
      } catch (InvalidSpecException e) {
        throw new InvalidSpecException("image name '" + text + "' has an invalid digest: " + e.getMessage());
      }
      rest = rest.substring(0, at);
    }
    Optional<String> tag = Optional.empty();
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = Optional.of(rest.substring(colon + 1));
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag.get()).matches()) {
        throw new InvalidSpecException("image name '" + text + "' has the tag '" + tag.get()
            + "', which is not valid: use up to 128 letters, digits, '_', '.' and '-'");
      }
    }
    String registry = DOCKER_HUB;
    int slash = rest.indexOf('/');
    if (slash > 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        if (!REGISTRY.matcher(first).matches()) {
          throw new InvalidSpecException("image name '" + text + "' has the registry '" + first + "', which is not a host[:port]");
        }
        registry = first;
        rest = rest.substring(slash + 1);
      }
    }
    if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
      registry = DOCKER_HUB;
    }
    if (registry.equals(DOCKER_HUB) && !rest.contains("/")) {
      rest = "library/" + rest;
    }
    for (String component : rest.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        throw new InvalidSpecException("image name '" + text + "' has the path component '" + component
            + "', which is not valid: use lower-case letters, digits and single '.', '_' or '-' between them");
      }
    }
    if (tag.isEmpty() && digest.isEmpty()) {
      tag = Optional.of("latest");
    }
    return new ImageReference(registry, rest, tag, digest);
  }

  /** What a manifest request names: the digest when pinned, else the tag. */
  public String manifestReference() {
    return digest.map(Digest::toString).orElseGet(tag::get);
  }

  /** The same image pinned to {@code d}, keeping the tag for display. */
  public ImageReference withDigest(Digest d) {
    return new ImageReference(registry, repository, tag, Optional.of(d));
  }

  /** The full name, e.g. {@code docker.io/library/busybox:1.36}. */
  @Override
  public String toString() {
    return registry + "/" + repository + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
  }

  /** The name as people write it: Docker Hub's prefixes left off, e.g. {@code busybox:1.36}. */
  public String familiar() {
    String repo = registry.equals(DOCKER_HUB)
        ? (repository.startsWith("library/") ? repository.substring(8) : repository)
        : registry + "/" + repository;
    return repo + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
  }
}
