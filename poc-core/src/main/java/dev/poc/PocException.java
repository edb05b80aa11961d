package dev.poc;

/** The root of every error poc raises. Each message names the input, what was wrong and what to do. */
public class PocException extends RuntimeException {
  public PocException(String message) {
    super(message);
  }

  public PocException(String message, Throwable cause) {
    super(message, cause);
  }
}
