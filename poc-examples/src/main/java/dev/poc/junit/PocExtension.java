package dev.poc.junit;

import dev.poc.ContainerRuntime;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The {@link PocTest} extension: a runtime on a state root of its own per test class, static
 * {@link Managed} containers around the class, instance ones around each test, and
 * {@link ContainerRuntime} parameters.
 */
final class PocExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
    ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(PocExtension.class);
  private static final String CLASS_RUNTIME = "runtime";
  private static final String STARTED = "started";

  @Override
  public void beforeAll(ExtensionContext ctx) {
    ContainerRuntime runtime = runtime(ctx);
    startFields(ctx, ctx.getRequiredTestClass(), null, runtime);
  }

  @Override
  public void afterAll(ExtensionContext ctx) {
    stopStarted(ctx);
  }

  @Override
  public void beforeEach(ExtensionContext ctx) {
    ContainerRuntime runtime = runtime(ctx);
    for (Object instance : ctx.getRequiredTestInstances().getAllInstances()) {
      startFields(ctx, instance.getClass(), instance, runtime);
    }
  }

  @Override
  public void afterEach(ExtensionContext ctx) {
    stopStarted(ctx);
  }

  @Override
  public boolean supportsParameter(ParameterContext param, ExtensionContext ctx) {
    return param.getParameter().getType() == ContainerRuntime.class;
  }

  @Override
  public Object resolveParameter(ParameterContext param, ExtensionContext ctx) {
    return runtime(ctx);
  }

  /** The class's runtime: made on first use, closed (and its state root removed) after the class. */
  private static ContainerRuntime runtime(ExtensionContext ctx) {
    ExtensionContext classCtx = ctx;
    while (classCtx.getParent().isPresent() && classCtx.getParent().get().getTestClass().isPresent()) {
      classCtx = classCtx.getParent().get(); // nested classes share their outermost class's runtime
    }
    String owner = classCtx.getRequiredTestClass().getSimpleName();
    return classCtx.getStore(NS).getOrComputeIfAbsent(CLASS_RUNTIME, k -> new ClassRuntime(owner), ClassRuntime.class)
        .runtime();
  }

  /** Starts the {@link Managed} fields of {@code type}: static ones when {@code instance} is null. */
  private static void startFields(ExtensionContext ctx, Class<?> type, Object instance, ContainerRuntime runtime) {
    for (Field f : managedFields(type)) {
      if (Modifier.isStatic(f.getModifiers()) != (instance == null)) {
        continue;
      }
      PocContainer c = read(f, instance);
      started(ctx).add(c); // before start: a failed start still gets stopped
      c.start(runtime);
    }
  }

  private static List<Field> managedFields(Class<?> type) {
    List<Field> fields = new ArrayList<>();
    for (Class<?> t = type; t != null && t != Object.class; t = t.getSuperclass()) {
      for (Field f : t.getDeclaredFields()) {
        if (f.isAnnotationPresent(Managed.class)) {
          if (!PocContainer.class.isAssignableFrom(f.getType())) {
            throw new ExtensionConfigurationException("@Managed field " + t.getSimpleName() + "." + f.getName()
                + " is a " + f.getType().getSimpleName() + ": it must be a PocContainer");
          }
          fields.add(f);
        }
      }
    }
    return fields;
  }

  private static PocContainer read(Field f, Object instance) {
    try {
      f.setAccessible(true);
      PocContainer c = (PocContainer) f.get(instance);
      if (c == null) {
        throw new ExtensionConfigurationException("@Managed field " + f.getDeclaringClass().getSimpleName() + "."
            + f.getName() + " is null: initialize it, e.g. = new PocContainer(\"sleep\", \"1000\")");
      }
      return c;
    } catch (IllegalAccessException e) {
      throw new ExtensionConfigurationException("cannot read @Managed field " + f.getName() + ": " + e.getMessage(), e);
    }
  }

  /** What this very context started (stores fall back to their parents', hence the id in the key). */
  @SuppressWarnings("unchecked")
  private static List<PocContainer> started(ExtensionContext ctx) {
    return ctx.getStore(NS).getOrComputeIfAbsent(STARTED + ctx.getUniqueId(), k -> new ArrayList<PocContainer>(),
        List.class);
  }

  /** Stops what this context started, last first; every one is tried even when one fails. */
  private static void stopStarted(ExtensionContext ctx) {
    List<PocContainer> list = started(ctx);
    RuntimeException first = null;
    for (int i = list.size() - 1; i >= 0; i--) {
      try {
        list.get(i).stop();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    list.clear();
    if (first != null) {
      throw first;
    }
  }
}
