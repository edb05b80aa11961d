package dev.poc.launch;

import java.nio.file.Path;

/**
 * OCI's console: the socket an engine listens on for the pty master of a process with a terminal
 * ({@code --console-socket}), and the terminal's size ({@code process.consoleSize}; 0 leaves the
 * kernel's default).
 *
 * @param socket the engine's unix socket
 * @param rows the terminal's height, or 0
 * @param cols the terminal's width, or 0
 */
public record Console(Path socket, int rows, int cols) {
  void addTo(InitPlan plan) {
    plan.console(socket);
    if (rows > 0 && cols > 0) {
      plan.winsize(rows, cols);
    }
  }
}
