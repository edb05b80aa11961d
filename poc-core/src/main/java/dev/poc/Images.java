package dev.poc;

import dev.poc.state.StateStore;
import dev.poc.storage.Debootstrap;
import dev.poc.storage.StorageChecks;
import dev.poc.storage.DockerEngine;
import dev.poc.storage.DockerImageBuild;
import dev.poc.storage.HostImage;
import dev.poc.storage.ImageStore;
import dev.poc.storage.Tarballs;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The base images of one runtime's state root ({@code STATE/images/NAME}), and the ways to make
 * them: from a Dockerfile (Docker Engine API), with debootstrap, from a tarball, or from the
 * host's own programs. Get it from {@link ContainerRuntime#images()}.
 *
 * <pre>{@code
 * Images images = runtime.images();
 * images.init(Progress.printingTo(System.out));          // "default": Docker, else debootstrap, else host
 * images.importTarball("alpine", Path.of("alpine-minirootfs.tar.gz"));
 * runtime.build("test0", "20G", "alpine");
 * }</pre>
 *
 * <p>Every method is safe to call from several threads and JVMs at once: a name either holds a
 * whole image or nothing, and making a name that exists fails with {@link NameInUseException}.
 */
public final class Images {
  /** The image {@code init} makes and {@link ContainerRuntime#build(String, String)} uses. */
  public static final String DEFAULT = ImageStore.DEFAULT;
  /** The base image poc's Dockerfile starts from (its {@code ARG BASE}). */
  public static final String DEFAULT_DOCKER_BASE = "debian:bookworm-slim";

  private final ImageStore store;

  Images(ImageStore store) {
    this.store = store;
  }

  /**
   * Makes the image {@value #DEFAULT} the best available way, and says which and why through
   * {@code progress}: poc's Dockerfile when a Docker daemon answers on
   * {@code /var/run/docker.sock}, else debootstrap when it is installed, else the host's programs.
   */
  public Image init(Progress progress) {
    return init(new DockerEngine(DockerEngine.DEFAULT_SOCKET), Debootstrap.isInstalled(), progress);
  }

  Image init(DockerEngine docker, boolean debootstrapInstalled, Progress progress) {
    java.util.Optional<String> noDocker = docker.unavailable();
    if (noDocker.isEmpty()) {
      progress.announce("init: a Docker daemon answers on " + docker.socket() + ": building poc's Dockerfile from "
          + DEFAULT_DOCKER_BASE + " as image '" + DEFAULT + "'; the daemon downloads " + DEFAULT_DOCKER_BASE
          + " and Debian packages (about 100 MB) from its registry (Docker Hub unless configured) and deb.debian.org");
      return make(DEFAULT, Image.Kind.DOCKER, "poc's Dockerfile (BASE=" + DEFAULT_DOCKER_BASE + ")", "building poc's Dockerfile",
          s -> DockerImageBuild.build(docker, DockerImageBuild.bundledContext(s.dir().resolve("context")),
              Map.of("BASE", DEFAULT_DOCKER_BASE), s.dir(), s.rootfs(), progress));
    }
    if (debootstrapInstalled) {
      String suite = Debootstrap.hostSuite();
      java.net.URI mirror = Debootstrap.hostMirror(suite);
      progress.announce("init: no Docker (" + noDocker.get() + "); debootstrap is installed: bootstrapping Debian "
          + suite + " as image '" + DEFAULT + "', downloading its packages (about 100 MB) from " + mirror);
      return debootstrap(DEFAULT, suite, mirror, progress);
    }
    progress.announce("init: no Docker (" + noDocker.get() + ") and no debootstrap: image '" + DEFAULT
        + "' is the host's programs, read-only (install docker.io or debootstrap for a Debian image)");
    return host(DEFAULT);
  }

  /** Unpacks a root filesystem tarball (plain, gz, xz; e.g. a {@code docker export} or a minirootfs). */
  public Image importTarball(String name, Path tarball) {
    return importTarball(name, tarball, Progress.none());
  }

  /** As {@link #importTarball(String, Path)}, reporting its steps to {@code progress}. */
  public Image importTarball(String name, Path tarball, Progress progress) {
    Path abs = tarball.toAbsolutePath().normalize();
    return make(name, Image.Kind.TARBALL, abs.toString(), "importing " + abs,
        s -> Tarballs.unpack(abs, s.rootfs(), progress));
  }

  /**
   * Bootstraps Debian with the seed image's tools (iproute2, iputils-ping, net-tools, procps,
   * sysbench), from the host's Debian release and the mirror apt uses here. Needs debootstrap and
   * the mirror; takes about a minute.
   */
  public Image debootstrap(String name, Progress progress) {
    String suite = Debootstrap.hostSuite();
    return debootstrap(name, suite, Debootstrap.hostMirror(suite), progress);
  }

  /** As {@link #debootstrap(String, Progress)}, with a given suite (e.g. bookworm) and mirror. */
  public Image debootstrap(String name, String suite, URI mirror, Progress progress) {
    Check tool = StorageChecks.imageDebootstrap(); // before the name is taken: one line naming the package
    if (!tool.ok()) {
      throw new PocException(tool.name() + " " + tool.problem() + " (or make image '" + name
          + "' another way: from a tarball, the host's programs, or a Dockerfile)");
    }
    return make(name, Image.Kind.DEBOOTSTRAP, "debootstrap " + suite + " from " + mirror, "bootstrapping Debian " + suite,
        s -> Debootstrap.run(s.rootfs(), suite, mirror, progress));
  }

  /**
   * Builds the Dockerfile in {@code contextDir} with the Docker daemon on {@code dockerSocket}
   * (e.g. {@code /var/run/docker.sock}), and keeps the built file system. The daemon keeps
   * nothing of it.
   */
  public Image fromDockerfile(String name, Path contextDir, Path dockerSocket, Progress progress) {
    return fromDockerfile(name, contextDir, dockerSocket, Map.of(), progress);
  }

  /** As {@link #fromDockerfile(String, Path, Path, Progress)}, with build arguments (e.g. BASE). */
  public Image fromDockerfile(String name, Path contextDir, Path dockerSocket, Map<String, String> buildArgs, Progress progress) {
    Path dir = contextDir.toAbsolutePath().normalize();
    DockerEngine docker = new DockerEngine(dockerSocket);
    return make(name, Image.Kind.DOCKER, "Dockerfile in " + dir + (buildArgs.isEmpty() ? "" : " " + buildArgs),
        "building the Dockerfile in " + dir,
        s -> DockerImageBuild.build(docker, dir, Map.copyOf(buildArgs), s.dir(), s.rootfs(), progress));
  }

  /**
   * An image of the host's own programs (/usr, /bin, /lib... bound read-only at each start, as
   * {@link Rootfs#host()} does) with a minimal /etc; needs nothing downloaded.
   */
  public Image host(String name) {
    return make(name, Image.Kind.HOST, "host programs", "making the host image", s -> HostImage.writeSkeleton(s.rootfs()));
  }

  /** The images, by name. */
  public List<Image> list() {
    return StateStore.unchecked("listing images", store::list);
  }

  /** Removes image {@code name}; refuses while a container's disk is laid over it. */
  public void remove(String name) {
    StateStore.unchecked("removing image '" + name + "'", () -> {
      store.remove(name);
      return null;
    });
  }

  private interface Fill {
    void into(ImageStore.Staging staging) throws IOException;
  }

  private Image make(String name, Image.Kind kind, String source, String what, Fill fill) {
    return StateStore.unchecked(what + " as image '" + name + "'", () -> {
      try (ImageStore.Staging staging = store.stage(name)) {
        fill.into(staging);
        return store.commit(staging, kind, source);
      }
    });
  }
}
