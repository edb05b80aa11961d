package dev.poc.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link PocContainer} field of a {@link PocTest} class. A static field is one container
 * shared by the class (started before the first test, removed after the last); an instance field
 * is a fresh container for every test.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
public @interface Managed {}
