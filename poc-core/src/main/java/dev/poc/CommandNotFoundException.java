package dev.poc;

/**
 * The container's command could not be executed (missing, or not executable) in its rootfs.
 * {@link #exitCode()} is what a shell (and Docker) exits with then: 127 missing, 126 not executable.
 */
public class CommandNotFoundException extends PocException {
  private final boolean exists;

  public CommandNotFoundException(String message) {
    this(message, false);
  }

  /** {@code exists}: the file is there but cannot be executed (permission, format). */
  public CommandNotFoundException(String message, boolean exists) {
    super(message);
    this.exists = exists;
  }

  /** 127 when the command was not found, 126 when it was found but could not be executed. */
  public int exitCode() {
    return exists ? 126 : 127;
  }
}
