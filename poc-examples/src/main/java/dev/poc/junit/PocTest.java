package dev.poc.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class whose {@link Managed} {@link PocContainer} fields are started before use and
 * removed after, even when a test fails. Each class gets a state root of its own, so classes
 * that run in parallel never share names, addresses or ports. A test (or lifecycle method) may
 * take a {@link dev.poc.ContainerRuntime} parameter to start containers in code.
 *
 * <pre>{@code
 * @PocTest
 * class WebIT {
 *   @Managed
 *   static PocContainer web = new PocContainer("busybox", "httpd", "-f", "-p", "8080")
 *       .waitingFor(Wait.forListeningPort(8080));
 *
 *   @Test
 *   void answers() { ... web.exec("wget", "-qO-", "http://127.0.0.1:8080/") ... }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@ExtendWith(PocExtension.class)
public @interface PocTest {}
