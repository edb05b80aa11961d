package dev.poc.storage;

import dev.poc.PocException;
import dev.poc.Progress;
import dev.poc.host.Tool;
import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Makes a Debian root filesystem without Docker: {@code debootstrap --variant=minbase} with the
 * seed image's tools, from the mirror apt uses on this machine.
 */
public final class Debootstrap {
  /** The seed image's tools: network tools, ps/top, and sysbench. */
  static final List<String> PACKAGES = List.of("iproute2", "iputils-ping", "net-tools", "procps", "sysbench");
  static final String DEFAULT_SUITE = "bookworm";
  static final URI DEFAULT_MIRROR = URI.create("http://deb.debian.org/debian");
  private static final Tool DEBOOTSTRAP = new Tool("debootstrap", "apt-get install debootstrap");

  private Debootstrap() {}

  public static boolean isInstalled() {
    return DEBOOTSTRAP.isInstalled();
  }

  /** Bootstraps {@code suite} from {@code mirror} into the empty directory {@code target}. */
  public static void run(Path target, String suite, URI mirror, Progress progress) throws IOException {
    progress.step("debootstrap: Debian " + suite + " (minbase + " + String.join(", ", PACKAGES) + ") from " + mirror);
    try {
      DEBOOTSTRAP.run("bootstrapping Debian " + suite + " from " + mirror,
          List.of("--variant=minbase", "--include=" + String.join(",", PACKAGES), suite, target.toString(), mirror.toString()),
          progress);
    } catch (PocException e) {
      throw new PocException(e.getMessage() + "\n  check that this machine reaches " + mirror
          + " (try `apt-get update`), or give another mirror", e);
    }
    dropPackageCache(target);
  }

  /** The downloaded .deb files are not part of the image; they only make it larger. */
  private static void dropPackageCache(Path target) throws IOException {
    Path archives = target.resolve("var/cache/apt/archives");
    if (Files.isDirectory(archives)) {
      try (DirectoryStream<Path> debs = Files.newDirectoryStream(archives, "*.deb")) {
        for (Path deb : debs) {
          Files.deleteIfExists(deb);
        }
      }
    }
  }

  /** The host's Debian codename (os-release), or bookworm on other systems. */
  public static String hostSuite() {
    return osRelease("ID").filter("debian"::equals).flatMap(id -> osRelease("VERSION_CODENAME")).orElse(DEFAULT_SUITE);
  }

  private static Optional<String> osRelease(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
        if (line.startsWith(key + "=")) {
          return Optional.of(line.substring(key.length() + 1).replace("\"", "").trim());
        }
      }
    } catch (IOException e) {
      // no os-release: use the defaults
    }
    return Optional.empty();
  }

  /** The mirror apt uses for {@code suite} here (sources.list.d/*.sources, then sources.list), else deb.debian.org. */
  public static URI hostMirror(String suite) {
    List<Path> files = new ArrayList<>();
    Path dir = Path.of("/etc/apt/sources.list.d");
    if (Files.isDirectory(dir)) {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.sources")) {
        s.forEach(files::add);
      } catch (IOException e) {
        // unreadable: fall through to sources.list
      }
    }
    files.sort(null);
    files.add(Path.of("/etc/apt/sources.list"));
    for (Path f : files) {
      try {
        Optional<URI> uri = mirrorIn(Files.readString(f), suite);
        if (uri.isPresent()) {
          return uri.get();
        }
      } catch (IOException e) {
        // missing or unreadable: try the next
      }
    }
    return DEFAULT_MIRROR;
  }

  /** The first "deb" source for exactly {@code suite} in a sources.list or deb822 .sources text. */
  public static Optional<URI> mirrorIn(String text, String suite) {
    for (String stanza : text.split("\n\\s*\n")) {
      String types = null;
      String uris = null;
      String suites = null;
      for (String line : stanza.split("\n")) {
        String t = line.trim();
        if (t.startsWith("#") || t.isEmpty()) {
          continue;
        }
        if (t.startsWith("deb ")) { // one-line format: deb [options] URI suite components...
          String[] f = t.replaceAll("\\[[^]]*]", " ").trim().split("\\s+");
          if (f.length >= 3 && f[2].equals(suite)) {
            return Optional.of(URI.create(f[1]));
          }
        }
        int colon = t.indexOf(':');
        if (colon > 0) {
          String key = t.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
          String value = t.substring(colon + 1).trim();
          switch (key) {
            case "types" -> types = value;
            case "uris" -> uris = value;
            case "suites" -> suites = value;
            default -> { }
          }
        }
      }
      if (types != null && uris != null && suites != null && List.of(types.split("\\s+")).contains("deb")
          && List.of(suites.split("\\s+")).contains(suite)) {
        return Optional.of(URI.create(uris.split("\\s+")[0]));
      }
    }
    return Optional.empty();
  }
}
