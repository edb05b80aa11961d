package dev.poc.image;

import java.util.Locale;
import java.util.Optional;

/** An image platform ({@code os/architecture[/variant]}), as an index lists its manifests. */
public record Platform(String os, String architecture, Optional<String> variant) {

  /** This machine's: {@code linux} and the JVM's architecture in Go's names (amd64, arm64, ...). */
  public static Platform host() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String go = switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "x86", "i386", "i686" -> "386";
      case "ppc64le" -> "ppc64le";
      case "s390x" -> "s390x";
      case "riscv64" -> "riscv64";
      case "arm" -> "arm";
      default -> arch;
    };
    return new Platform("linux", go, Optional.empty());
  }

  /** Parses {@code os/arch[/variant]}. */
  public static Platform parse(String text) {
    String[] p = text.split("/");
    if (p.length < 2 || p.length > 3) {
      throw new dev.poc.InvalidSpecException("platform '" + text + "' is not os/arch[/variant], e.g. linux/amd64");
    }
    return new Platform(p[0], p[1], p.length == 3 ? Optional.of(p[2]) : Optional.empty());
  }

  /** Whether an index entry for {@code os/arch/variant} runs here (a missing variant there matches any). */
  boolean matches(String os, String arch, String otherVariant) {
    return this.os.equals(os) && architecture.equals(arch)
        && (variant.isEmpty() || otherVariant == null || otherVariant.isEmpty() || variant.get().equals(otherVariant));
  }

  @Override
  public String toString() {
    return os + "/" + architecture + variant.map(v -> "/" + v).orElse("");
  }
}
