/**
 * Linux namespaces of a container: the bind-mounted {@code netns_NAME} handles. Internal.
 */
package dev.poc.namespace;
