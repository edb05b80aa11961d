package dev.poc;

/** A container of this name is already running (or exists, for a build). */
public class NameInUseException extends PocException {
  public NameInUseException(String message) {
    super(message);
  }
}
