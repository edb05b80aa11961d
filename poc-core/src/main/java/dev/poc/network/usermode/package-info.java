/**
 * A user-mode network: containers reach out, and are reached on published ports, through a
 * slirp4netns helper process per container instead of veths, bridges and iptables, so it works
 * without root (a container in a user namespace) as well as with it. Internal: the runtime plugs
 * {@link dev.poc.network.usermode.UserModeNetwork} in for rootless starts.
 */
package dev.poc.network.usermode;
