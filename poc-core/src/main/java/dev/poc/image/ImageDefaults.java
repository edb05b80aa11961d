package dev.poc.image;

import dev.poc.ContainerSpec;
import dev.poc.InvalidSpecException;
import dev.poc.Network;
import dev.poc.Rootfs;
import dev.poc.Signal;
import dev.poc.spi.RootfsStrategy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Fills what a spec leaves open from its image's configuration, as {@code docker run} does: the
 * command (Entrypoint + Cmd, or Entrypoint + the spec's command), the environment under the
 * spec's, the working directory and user unless the spec set them, and published ports.
 */
final class ImageDefaults {
  private ImageDefaults() {}

  static ContainerSpec apply(ContainerSpec spec, RootfsStrategy pinned, PulledImage image, Optional<List<String>> entrypointOverride,
                             List<Path> layersTopFirst) throws IOException {
    ImageConfig c = image.config();
    ContainerSpec.Builder b = new ContainerSpec.Builder();
    b.from(spec);
    b.rootfs(Rootfs.custom(pinned));
    List<String> args = new ArrayList<>(entrypointOverride.orElse(c.entrypoint()));
    args.addAll(spec.args().isEmpty() ? c.cmd() : spec.args());
    if (args.isEmpty()) {
      throw new InvalidSpecException("image " + image.name() + " has neither Entrypoint nor Cmd, and container '" + spec.name()
          + "' gives no command: call .command(...)");
    }
    b.command(args);
    Map<String, String> env = new LinkedHashMap<>();
    for (String e : c.env()) {
      int eq = e.indexOf('=');
      if (eq > 0) {
        env.put(e.substring(0, eq), e.substring(eq + 1));
      }
    }
    env.putAll(spec.env());
    b.env(env);
    if (spec.cwd().equals("/") && c.workingDir().isPresent() && c.workingDir().get().startsWith("/")) {
      b.cwd(c.workingDir().get());
    }
    if (spec.uid() == 0 && spec.gid() == 0 && c.user().isPresent()) {
      int[] ids = user(c.user().get(), image.name(), layersTopFirst);
      b.user(ids[0], ids[1]);
    }
    if (spec.stopSignal() == Signal.TERM && c.stopSignal().isPresent()) {
      signal(c.stopSignal().get()).ifPresent(b::stopSignal);
    }
    if (spec.network() != Network.DISABLED && spec.ports().isEmpty()) {
      for (int port : c.exposedTcpPorts()) {
        b.publish(0, port);
      }
    }
    return b.build();
  }

  /** The signal an image's StopSignal names ({@code SIGQUIT}, {@code QUIT} or {@code 3}); empty for one poc cannot send. */
  static Optional<Signal> signal(String text) {
    String t = text.trim().toUpperCase(java.util.Locale.ROOT);
    String name = t.startsWith("SIG") ? t.substring(3) : t;
    for (Signal s : Signal.values()) {
      if (s.name().equals(name) || Integer.toString(s.number()).equals(name)) {
        return Optional.of(s);
      }
    }
    return Optional.empty(); // e.g. SIGRTMIN+3: stop then sends SIGTERM
  }

  /** uid and gid of {@code user[:group]}, names looked up in the image's /etc/passwd and /etc/group. */
  static int[] user(String spec, String image, List<Path> layersTopFirst) throws IOException {
    String[] parts = spec.split(":", 2);
    int uid;
    int gid = -1;
    if (parts[0].matches("[0-9]+")) {
      uid = Integer.parseInt(parts[0]);
      Optional<String[]> entry = lookup(layersTopFirst, "etc/passwd", 2, parts[0]);
      gid = entry.map(f -> Integer.parseInt(f[3])).orElse(0);
    } else {
      String[] f = lookup(layersTopFirst, "etc/passwd", 0, parts[0]).orElseThrow(() -> new InvalidSpecException(
          "image " + image + " runs as user '" + parts[0] + "', which its /etc/passwd does not have: set .user(uid, gid)"));
      uid = Integer.parseInt(f[2]);
      gid = Integer.parseInt(f[3]);
    }
    if (parts.length == 2) {
      if (parts[1].matches("[0-9]+")) {
        gid = Integer.parseInt(parts[1]);
      } else {
        String[] g = lookup(layersTopFirst, "etc/group", 0, parts[1]).orElseThrow(() -> new InvalidSpecException(
            "image " + image + " runs as group '" + parts[1] + "', which its /etc/group does not have: set .user(uid, gid)"));
        gid = Integer.parseInt(g[2]);
      }
    }
    return new int[] {uid, gid};
  }

  /** The colon-separated line of {@code file} whose field {@code field} is {@code value}, from the topmost layer that has the file. */
  private static Optional<String[]> lookup(List<Path> layersTopFirst, String file, int field, String value) throws IOException {
    for (Path layer : layersTopFirst) {
      Path p = layer.resolve(file);
      if (Files.isSymbolicLink(p) || Files.isSymbolicLink(p.getParent())) {
        return Optional.empty(); // poc follows no link of an image on the host
      }
      if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        for (String line : Files.readAllLines(p)) {
          String[] f = line.split(":", -1);
          if (f.length > 3 && f[field].equals(value)) {
            return Optional.of(f);
          }
        }
        return Optional.empty();
      }
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        return Optional.empty(); // a whiteout: the file was deleted above the lower layers
      }
    }
    return Optional.empty();
  }
}
