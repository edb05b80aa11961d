package dev.poc.image;

import dev.poc.PocException;

/** Pulling or storing an image failed; the message names the image, the registry and what to do. */
public class ImagePullException extends PocException {
  public ImagePullException(String message) {
    super(message);
  }

  public ImagePullException(String message, Throwable cause) {
    super(message, cause);
  }
}
