/**
 * What the warm JVM servers behind poc's native fronts share: {@code ./poc-oci}'s create server
 * ({@link dev.poc.oci.OciServer}) and {@code ./poc}'s CLI server ({@code dev.poc.cli.CliServer}).
 * {@link FrontServer} owns the socket (its directory 0700, SOCKET.lock, SOCKET.pid), the caller's
 * uid check, the idle exit and the exit on a new build of the jar; {@link FrontRequest} is the
 * request a front sends; {@link PeerView} is what the server reads of the caller from /proc.
 * Internal: not exported.
 */
package dev.poc.front;
