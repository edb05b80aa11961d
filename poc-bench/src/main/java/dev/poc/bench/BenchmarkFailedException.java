package dev.poc.bench;

/** A variant could not do what it is timed for; the message names the variant and the step. */
final class BenchmarkFailedException extends RuntimeException {
  BenchmarkFailedException(String message) {
    super(message);
  }

  BenchmarkFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
