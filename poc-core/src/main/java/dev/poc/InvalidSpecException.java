package dev.poc;

/** A value in a spec or a command line is not acceptable; the message names it. */
public class InvalidSpecException extends PocException {
  public InvalidSpecException(String message) {
    super(message);
  }
}
