package dev.poc;

import java.time.Instant;
import org.immutables.value.Value;

/**
 * A built container of a state root, as {@code poc ps} lists it: its persistent disk, the base
 * image under it, and whether it is running. See {@link ContainerRuntime#containers()}.
 */
@Value.Immutable
public abstract class ContainerInfo {

  /** Where a built container is in its life. */
  public enum Status {
    /** Its disk is being made. */
    BUILDING,
    /** Built, not running. */
    STOPPED,
    /** A process of this or another runtime runs it. */
    RUNNING
  }

  /** The container's name, which is also its disk's. */
  public abstract String name();

  /** The base image its disk is laid over. */
  public abstract String image();

  /** The disk size as asked for, e.g. {@code 20G}. */
  public abstract String diskSize();

  /** The disk size in bytes. */
  public abstract long diskBytes();

  /** When it was built. */
  public abstract Instant created();

  /** Building, stopped or running. */
  public abstract Status status();

  /** A builder, for the store that lists containers. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link ContainerInfo} values; the setters are generated. */
  public static class Builder extends ImmutableContainerInfo.Builder {}
}
