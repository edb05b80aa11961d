package dev.poc.cni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poc.Container;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer compiled against the packaged poc-core jar on the module path sees the API, the SPI
 * and the seccomp profile values, and nothing else: an internal class (the seccomp compiler
 * included) does not compile, no exported signature names an internal type, and the CNI example,
 * which uses only what is exported, does compile.
 */
class ModuleBoundaryIT {
  @TempDir
  Path tmp;

  /** The poc-core jar and the libraries it requires, from this test's class path. */
  private static String modulePath() throws Exception {
    return String.join(File.pathSeparator, modulePathEntries());
  }

  private static List<String> modulePathEntries() throws Exception {
    Path core = Path.of(Container.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertThat(core.getFileName().toString()).matches("poc-core-.*\\.jar");
    List<String> path = new ArrayList<>(List.of(core.toString()));
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String file = Path.of(entry).getFileName().toString();
      if (file.endsWith(".jar") && Stream.of("jnr-", "jffi-", "guava-", "failureaccess-", "jackson-", "slf4j-api-", "asm")
          .anyMatch(file::startsWith) && !file.contains("native")) {
        path.add(entry);
      }
    }
    return path;
  }

  /** jffi's native stub: the same module name as jffi's classes, so it goes on the class path. */
  private static String jffiNative() {
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String file = Path.of(entry).getFileName().toString();
      if (file.startsWith("jffi-") && file.contains("native")) {
        return entry;
      }
    }
    throw new IllegalStateException("jffi's native jar is not on the test class path");
  }

  /**
   * Compiles the module {@code consumer} made of {@code sources} (path, text) on that module path
   * and an empty class path (javac in this JVM would otherwise take this test's); returns javac's
   * output, or null on success.
   */
  private String compile(List<String[]> sources) throws Exception {
    Path src = tmp.resolve("src");
    List<String> args = new ArrayList<>(List.of("--release", "17", "-proc:none", "-d", tmp.resolve("out").toString(),
        "--module-path", modulePath(), "--class-path", Files.createDirectories(tmp.resolve("empty")).toString()));
    for (String[] s : sources) {
      Path file = src.resolve(s[0]);
      Files.createDirectories(file.getParent());
      Files.writeString(file, s[1]);
      args.add(file.toString());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    int rc = ToolProvider.getSystemJavaCompiler().run(null, print, print, args.toArray(new String[0]));
    return rc == 0 ? null : out.toString(StandardCharsets.UTF_8);
  }

  private static final String[] MODULE = {"module-info.java",
      "module consumer { requires dev.poc; requires com.fasterxml.jackson.databind; requires org.slf4j; }"};

  @Test
  void theApiAndTheSpiCompile() throws Exception {
    String[] user = {"consumer/User.java", """
        package consumer;
        import dev.poc.ContainerRuntime;
        import dev.poc.Network;
        import dev.poc.seccomp.Seccomp;
        import dev.poc.seccomp.SeccompAction;
        import dev.poc.seccomp.SeccompProfile;
        import dev.poc.spi.NetworkStrategy;
        import java.util.Optional;
        import java.util.Set;
        public class User {
          public static NetworkStrategy named(NetworkStrategy s) { return s; }
          public static Object runtime() { return ContainerRuntime.builder(); }
          public static Network net() { return Network.custom("x"); }
          public static Optional<SeccompAction> seccomp() {
            return Seccomp.dockerDefault().resolve(Set.of("CAP_CHOWN")).map(SeccompProfile::defaultAction);
          }
          public static Optional<String> oci() { return Seccomp.dockerDefault().ociJson(Set.of()); }
        }
        """};
    assertThat(compile(List.of(MODULE, user))).isNull();
  }

  @Test
  void anInternalClassDoesNotCompile() throws Exception {
    String[] user = {"consumer/Sneaky.java", """
        package consumer;
        public class Sneaky {
          public static Object tool() { return dev.poc.host.Tool.class; }
        }
        """};
    assertThat(compile(List.of(MODULE, user))).contains("package dev.poc.host is not visible")
        .contains("package dev.poc.host is declared in module dev.poc, which does not export it");
  }

  /**
   * On the module path a container starts too, given the flags the README names: jnr-ffi
   * generates its libc binding in an unnamed module, which must be let into dev.poc.host.
   */
  @Test
  void aModularConsumerStartsAContainer() throws Exception {
    String[] main = {"consumer/Main.java", """
        package consumer;
        import dev.poc.ContainerRuntime;
        import dev.poc.Container;
        import dev.poc.Rootfs;
        import java.nio.file.Path;
        public class Main {
          public static void main(String[] args) throws Exception {
            try (ContainerRuntime rt = ContainerRuntime.open(Path.of(args[0]));
                 Container c = rt.container().name(args[1]).rootfs(Rootfs.host()).command("sh", "-c", "exit 7").start()) {
              System.out.println("exit " + c.waitFor());
            }
          }
        }
        """};
    assertThat(compile(List.of(MODULE, main))).isNull();
    String java = ProcessHandle.current().info().command().orElse("java");
    Process p = new ProcessBuilder(java, "--module-path", modulePath() + File.pathSeparator + tmp.resolve("out"),
        "--add-modules", "ALL-MODULE-PATH", "--add-exports", "dev.poc/dev.poc.host=ALL-UNNAMED",
        "-cp", jffiNative(), "-m", "consumer/consumer.Main", tmp.resolve("state").toString(),
        "modular-" + ProcessHandle.current().pid()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains("exit 7");
  }

  @Test
  void theSeccompCompilerAndParserAreOutOfReach() throws Exception {
    String[] compiler = {"consumer/Compiler.java", """
        package consumer;
        public class Compiler {
          public static Object compiler() { return dev.poc.seccomp.bpf.SeccompCompiler.class; }
        }
        """};
    assertThat(compile(List.of(MODULE, compiler))).contains("package dev.poc.seccomp.bpf is not visible")
        .contains("package dev.poc.seccomp.bpf is declared in module dev.poc, which does not export it");
    String[] parser = {"consumer/Parser.java", """
        package consumer;
        public class Parser {
          public static Object parser() { return dev.poc.seccomp.ProfileParser.class; }
        }
        """};
    assertThat(compile(List.of(MODULE, parser))).contains("ProfileParser is not public in dev.poc.seccomp");
  }

  /**
   * No public or protected member of a public class in an exported package names a type of a
   * package the module keeps to itself: a consumer could not use such a
   * member, and the internal type would be frozen into the API.
   */
  @Test
  void theExportedPackagesNameNoInternalType() throws Exception {
    Path core = Path.of(Container.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ModuleDescriptor module = ModuleFinder.of(core).findAll().iterator().next().descriptor();
    Set<String> exported = module.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toSet());
    assertThat(exported).contains("dev.poc", "dev.poc.spi", "dev.poc.seccomp").doesNotContain("dev.poc.seccomp.bpf");
    assertThat(module.packages()).contains("dev.poc.seccomp.bpf");
    List<String> leaks = new ArrayList<>();
    int checked = 0;
    try (JarFile jar = new JarFile(core.toFile())) {
      for (JarEntry e : Collections.list(jar.entries())) {
        String name = e.getName();
        if (!name.endsWith(".class") || name.endsWith("module-info.class") || name.endsWith("package-info.class")) {
          continue;
        }
        String className = name.substring(0, name.length() - 6).replace('/', '.');
        if (!exported.contains(className.substring(0, className.lastIndexOf('.')))) {
          continue;
        }
        Class<?> c = Class.forName(className, false, Container.class.getClassLoader());
        if (!visible(c)) {
          continue;
        }
        checked++;
        Map<String, List<Type>> uses = new LinkedHashMap<>();
        uses.put("extends", Stream.concat(Stream.ofNullable(c.getGenericSuperclass()),
            Arrays.stream(c.getGenericInterfaces())).toList());
        for (Field f : c.getDeclaredFields()) {
          if (visible(f.getModifiers()) && !f.isSynthetic()) {
            uses.put(f.getName(), List.of(f.getGenericType()));
          }
        }
        List<Executable> members = new ArrayList<>(Arrays.asList(c.getDeclaredMethods()));
        members.addAll(Arrays.asList(c.getDeclaredConstructors()));
        for (Executable m : members) {
          if (visible(m.getModifiers()) && !m.isSynthetic()) {
            List<Type> types = new ArrayList<>(Arrays.asList(m.getGenericParameterTypes()));
            types.addAll(Arrays.asList(m.getGenericExceptionTypes()));
            if (m instanceof Method method) {
              types.add(method.getGenericReturnType());
            }
            uses.put(m.toGenericString(), types);
          }
        }
        for (Map.Entry<String, List<Type>> use : uses.entrySet()) {
          Set<Class<?>> named = new LinkedHashSet<>();
          use.getValue().forEach(t -> classesIn(t, named, new HashSet<>()));
          for (Class<?> n : named) {
            if (module.packages().contains(n.getPackageName()) && !exported.contains(n.getPackageName())) {
              leaks.add(c.getName() + " " + use.getKey() + " names " + n.getName());
            }
          }
        }
      }
    }
    assertThat(checked).as("public classes in exported packages").isGreaterThan(20);
    assertThat(leaks).isEmpty();
  }

  private static boolean visible(Class<?> c) {
    for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
      if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) {
        return false;
      }
    }
    return true;
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  /** Every class a (generic) type mentions: its raw class, type arguments, bounds and array components. */
  private static void classesIn(Type t, Set<Class<?>> out, Set<Type> seen) {
    if (!seen.add(t)) {
      return;
    }
    if (t instanceof Class<?> c) {
      out.add(c.isArray() ? c.componentType() : c);
      if (c.isArray()) {
        classesIn(c.componentType(), out, seen);
      }
    } else if (t instanceof ParameterizedType p) {
      classesIn(p.getRawType(), out, seen);
      Arrays.stream(p.getActualTypeArguments()).forEach(a -> classesIn(a, out, seen));
    } else if (t instanceof WildcardType w) {
      Stream.concat(Arrays.stream(w.getUpperBounds()), Arrays.stream(w.getLowerBounds()))
          .forEach(b -> classesIn(b, out, seen));
    } else if (t instanceof GenericArrayType g) {
      classesIn(g.getGenericComponentType(), out, seen);
    } else if (t instanceof TypeVariable<?> v) {
      Arrays.stream(v.getBounds()).forEach(b -> classesIn(b, out, seen));
    }
  }

  @Test
  void theCniExampleCompilesAgainstTheExportedPackagesAlone() throws Exception {
    Path example = Path.of("src/main/java/dev/poc/cni/CniNetwork.java");
    String[] cni = {"dev/poc/cni/CniNetwork.java", Files.readString(example)
        .replace("package dev.poc.cni;", "package consumer.cni;")};
    String[] module = {"module-info.java", MODULE[1].replace("}", "exports consumer.cni; }")};
    String imports;
    try (Stream<String> lines = Files.lines(example)) {
      imports = lines.filter(l -> l.startsWith("import dev.poc")).collect(Collectors.joining("\n"));
    }
    assertThat(imports).as("what the example imports of poc").isNotEmpty()
        .doesNotContainPattern("import dev\\.poc\\.(?!spi\\.)[a-z]+\\.");
    assertThat(compile(List.of(module, cni))).isNull();
  }
}
