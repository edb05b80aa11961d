/**
 * The service provider interface: what a namespace, cgroup, rootfs or network strategy implements
 * and the small types it sees. Exported.
 */
package dev.poc.spi;
