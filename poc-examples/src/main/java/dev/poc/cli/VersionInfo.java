package dev.poc.cli;

import picocli.CommandLine.IVersionProvider;

/**
 * {@code poc --version}: poc's version, the JVM running it, and the start-up cache the launcher
 * gave that JVM (it passes {@code -Dpoc.startup.cache=...}; {@code java -jar} alone gives none), and
 * the state of the native front and the CLI server ({@code -Dpoc.front=...}).
 */
final class VersionInfo implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return new String[] {
        "poc 0.1.0",
        "JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
            + " (" + System.getProperty("java.home") + ")",
        "start-up cache: " + System.getProperty("poc.startup.cache", "none (started without ./poc)"),
        "front: " + System.getProperty("poc.front", "none (started without ./poc)")};
  }
}
