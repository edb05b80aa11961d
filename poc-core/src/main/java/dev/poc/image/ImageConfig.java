package dev.poc.image;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * What an image says about running it ({@code config} of the OCI image configuration): the
 * defaults a container takes unless its spec says otherwise.
 */
@Value.Immutable
public abstract class ImageConfig {
  /** The command prefix ({@code Entrypoint}). */
  public abstract List<String> entrypoint();

  /** The default arguments ({@code Cmd}); a spec's command replaces them. */
  public abstract List<String> cmd();

  /** {@code NAME=value} entries; a spec's variables of the same name win. */
  public abstract List<String> env();

  /** The working directory. */
  public abstract Optional<String> workingDir();

  /** {@code user[:group]}, by name or number. */
  public abstract Optional<String> user();

  /** Ports the image declares, e.g. {@code 6379/tcp}. */
  public abstract List<String> exposedPorts();

  /** The signal that stops it, e.g. {@code SIGQUIT}. */
  public abstract Optional<String> stopSignal();

  /** Labels. */
  public abstract Map<String, String> labels();

  /** The digests of the uncompressed layers ({@code rootfs.diff_ids}), bottom first. */
  public abstract List<String> diffIds();

  /** The operating system it was built for. */
  public abstract String os();

  /** The architecture it was built for. */
  public abstract String architecture();

  /** The TCP port numbers among {@link #exposedPorts()}. */
  public List<Integer> exposedTcpPorts() {
    return exposedPorts().stream().filter(p -> !p.endsWith("/udp") && !p.endsWith("/sctp"))
        .map(p -> Integer.parseInt(p.split("/")[0])).toList();
  }

  static ImmutableImageConfig.Builder builder() {
    return ImmutableImageConfig.builder();
  }
}
