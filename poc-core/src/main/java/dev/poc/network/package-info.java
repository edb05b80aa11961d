/**
 * Container networking: loopback only, host NAT, the shared bridge, veths over rtnetlink,
 * address leases, iptables rules and published ports. Internal.
 */
package dev.poc.network;
