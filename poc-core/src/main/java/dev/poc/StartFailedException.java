package dev.poc;

/** A step of starting a container failed; the message names the step and the kernel's reason. */
public class StartFailedException extends PocException {
  public StartFailedException(String message) {
    super(message);
  }

  public StartFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
