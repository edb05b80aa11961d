/**
 * poc: an embeddable container runtime for the JVM.
 *
 * <p>Start an isolated Linux process with {@link dev.poc.Container#builder()}. This package
 * and {@link dev.poc.spi} are the exported API; the other packages of the module are internal and
 * may change.
 */
@Value.Style(
    visibility = Value.Style.ImplementationVisibility.PACKAGE,
    builderVisibility = Value.Style.BuilderVisibility.PUBLIC,
    defaults = @Value.Immutable(copy = true),
    jdkOnly = true)
package dev.poc;

import org.immutables.value.Value;
