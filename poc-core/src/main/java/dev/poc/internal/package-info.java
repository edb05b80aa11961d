/**
 * Small helpers shared by several packages (container names, size strings), and {@link
 * dev.poc.internal.Access}, through which they reach what the API classes keep package-private.
 * Internal.
 */
package dev.poc.internal;
