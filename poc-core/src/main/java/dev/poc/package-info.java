/**
 * poc: an embeddable container runtime for the JVM.
 *
 * <p>Start an isolated Linux process with {@link dev.poc.Container#builder()}. Everything that is
 * not documented here is package-private and may change.
 */
@Value.Style(
    visibility = Value.Style.ImplementationVisibility.PACKAGE,
    builderVisibility = Value.Style.BuilderVisibility.PUBLIC,
    defaults = @Value.Immutable(copy = true),
    jdkOnly = true)
package dev.poc;

import org.immutables.value.Value;
