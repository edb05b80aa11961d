package dev.poc;

/** The JVM lacks a privilege (root, a capability) or the kernel a feature that poc needs. */
public class MissingPrivilegeException extends PocException {
  public MissingPrivilegeException(String message) {
    super(message);
  }
}
