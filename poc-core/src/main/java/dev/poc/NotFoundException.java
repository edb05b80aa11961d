package dev.poc;

/** A named container, disk or image does not exist; the message says how to make it. */
public class NotFoundException extends PocException {
  public NotFoundException(String message) {
    super(message);
  }
}
