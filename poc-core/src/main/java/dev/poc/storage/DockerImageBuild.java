package dev.poc.storage;

import dev.poc.InvalidSpecException;
import dev.poc.PocException;
import dev.poc.Progress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Dockerfile turned into a root filesystem: build it (under a throw-away tag), create a
 * container of the result, export that container's files, unpack them, and remove the container
 * and the tag again, whatever happened.
 */
public final class DockerImageBuild {
  private static final Logger LOG = LoggerFactory.getLogger(DockerImageBuild.class);
  /** poc's own Dockerfile (the repository's top-level one), carried in the jar for {@code init}. */
  static final String BUNDLED_DOCKERFILE = "/dev/poc/docker/Dockerfile";

  private DockerImageBuild() {}

  /** Builds {@code contextDir} (which holds a Dockerfile) and unpacks the result into {@code rootfs}. */
  public static void build(DockerEngine engine, Path contextDir, Map<String, String> buildArgs, Path work, Path rootfs,
      Progress progress) throws IOException {
    if (!Files.isRegularFile(contextDir.resolve("Dockerfile"))) {
      throw new InvalidSpecException("there is no Dockerfile in " + contextDir + ": give the directory that holds it");
    }
    engine.unavailable().ifPresent(reason -> {
      throw new PocException("no Docker daemon to build " + contextDir + ": " + reason
          + ": start dockerd, or make the image with debootstrap or from a tarball");
    });
    Path context = work.resolve("context.tar");
    Path export = work.resolve("export.tar");
    Tarballs.pack(contextDir, context);
    String tag = "poc-build-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ":latest";
    progress.step("docker build " + contextDir + (buildArgs.isEmpty() ? "" : " " + buildArgs));
    String container = null;
    try {
      engine.build(context, tag, buildArgs, progress);
      container = engine.createContainer(tag);
      progress.step("docker export of the built image");
      engine.export(container, export);
    } finally {
      cleanUp(engine, container, tag);
      Files.deleteIfExists(context);
    }
    try {
      Tarballs.unpack(export, rootfs, progress);
    } finally {
      Files.deleteIfExists(export);
    }
  }

  private static void cleanUp(DockerEngine engine, String container, String tag) {
    try {
      if (container != null) {
        engine.removeContainer(container);
      }
      engine.removeImage(tag);
    } catch (IOException | RuntimeException e) {
      LOG.warn("removing the throw-away docker container/image {} failed: {}", tag, e.toString());
    }
  }

  /** Writes poc's bundled Dockerfile into {@code dir}, as a build context. */
  public static Path bundledContext(Path dir) throws IOException {
    Files.createDirectories(dir);
    try (InputStream in = DockerImageBuild.class.getResourceAsStream(BUNDLED_DOCKERFILE)) {
      if (in == null) {
        throw new PocException("poc's Dockerfile is missing from the poc-core jar (" + BUNDLED_DOCKERFILE
            + "): rebuild poc-core, or build with images().fromDockerfile(...) from a checkout");
      }
      Files.copy(in, dir.resolve("Dockerfile"));
    }
    return dir;
  }
}
