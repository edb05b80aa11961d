/**
 * The service provider interface: what a strategy implements, and the small types it sees.
 *
 * <ul>
 *   <li>{@link dev.poc.spi.NamespaceStrategy}: per kind, a new namespace, the host's, or one joined
 *       from a path.
 *   <li>{@link dev.poc.spi.CgroupStrategy}: the container's control groups, its limits and figures.
 *   <li>{@link dev.poc.spi.NetworkStrategy}: how a container whose spec names it is connected.
 *   <li>{@link dev.poc.spi.RootfsStrategy}: how a spec's root filesystem is built.
 * </ul>
 *
 * <p>All follow one lifecycle, written down in {@link dev.poc.spi.HostSetup}: {@code prepare}
 * before the helper clones (adding to the {@link dev.poc.spi.HelperPlan} of the
 * {@link dev.poc.spi.StartContext}), an {@link dev.poc.spi.Attachment} told when the init exists
 * and when the command ended and closed once to release, {@code reclaim} after a crashed JVM, and
 * {@code prune}. Give strategies to {@link dev.poc.ContainerRuntime#builder()}; the runtime's own
 * implementations are the defaults. Exported.
 */
package dev.poc.spi;
