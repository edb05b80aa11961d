package dev.poc;

/** The container's command could not be executed (missing, or not executable) in its rootfs. */
public class CommandNotFoundException extends PocException {
  public CommandNotFoundException(String message) {
    super(message);
  }
}
