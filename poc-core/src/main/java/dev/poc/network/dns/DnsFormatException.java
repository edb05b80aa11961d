package dev.poc.network.dns;

/** A DNS message that cannot be read: too short, a name that runs past the end or loops. */
public final class DnsFormatException extends Exception {
  public DnsFormatException(String message) {
    super(message);
  }
}
