package dev.poc.junit;

/** A container did not become ready (or ended) while a {@link WaitStrategy} waited; the message has its last output. */
public final class ContainerNotReadyException extends RuntimeException {
  public ContainerNotReadyException(String message) {
    super(message);
  }
}
