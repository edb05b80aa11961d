/**
 * Images by name from OCI registries: references, a daemonless registry client, a
 * content-addressed store of blobs and unpacked layers, and the image configuration a container
 * takes its defaults from. Reach it through {@link dev.poc.ContainerRuntime#registryImages()}
 * and {@link dev.poc.Rootfs#image(String)}.
 */
@Value.Style(
    visibility = Value.Style.ImplementationVisibility.PACKAGE,
    builderVisibility = Value.Style.BuilderVisibility.PUBLIC,
    defaults = @Value.Immutable(copy = true),
    jdkOnly = true)
package dev.poc.image;

import org.immutables.value.Value;
