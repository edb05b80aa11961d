/**
 * The embedded DNS responder of named networks: the wire codec ({@link dev.poc.network.dns.DnsName},
 * {@link dev.poc.network.dns.DnsQuery}, {@link dev.poc.network.dns.DnsResponse}), the answering
 * rules ({@link dev.poc.network.dns.DnsAuthority}) and the sockets
 * ({@link dev.poc.network.dns.DnsResponder}). It answers for one network's members and forwards
 * nothing. Internal.
 */
package dev.poc.network.dns;
