/**
 * Container networking: loopback only, host NAT, the shared bridge, named networks, veths over
 * rtnetlink, address leases, iptables rules and published ports; {@code dns} holds the named
 * networks' DNS responder and its wire codec. Internal.
 */
package dev.poc.network;
