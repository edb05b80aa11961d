/**
 * Host bindings: libc calls, mountinfo, file locks, external tools, prerequisites. Internal.
 */
package dev.poc.host;
