package dev.poc.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * Every JUnit example of the README, taken from the README itself, compiled as the file it is and
 * run: what a user pastes works, and the README and the code cannot drift apart.
 */
class ReadmeExamplesIT {
  private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern CLASS = Pattern.compile("(?m)^class (\\w+)");

  static List<String> junitExamples() throws Exception {
    String readme = Files.readString(Path.of(System.getProperty("poc.readme", "../README.md")));
    List<String> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(readme);
    while (m.find()) {
      if (m.group(1).contains("@PocTest")) {
        out.add(m.group(1));
      }
    }
    return out;
  }

  @TestFactory
  Stream<DynamicTest> everyJUnitExampleOfTheReadmeCompilesAndPasses(@TempDir Path dir) throws Exception {
    List<String> examples = junitExamples();
    assertThat(examples).as("JUnit examples in the README").hasSizeGreaterThanOrEqualTo(2);
    return examples.stream().map(source -> {
      Matcher name = CLASS.matcher(source);
      assertThat(name.find()).as("a top-level class in:\n" + source).isTrue();
      String cls = name.group(1);
      return DynamicTest.dynamicTest(cls, () -> {
        Path src = Files.writeString(Files.createDirectories(dir.resolve(cls)).resolve(cls + ".java"), source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = javac.run(null, err, err, "-d", src.getParent().toString(),
            "-cp", System.getProperty("java.class.path"), src.toString());
        assertThat(rc).as("javac of the README's " + cls + ":\n" + err.toString(StandardCharsets.UTF_8)).isZero();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {src.getParent().toUri().toURL()},
            getClass().getClassLoader())) {
          Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(loader.loadClass(cls))).execute()
              .testEvents();
          tests.failed().stream().forEach(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class)
              .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable).ifPresent(Throwable::printStackTrace));
          assertThat(tests.failed().count()).as("failed tests of the README's " + cls).isZero();
          assertThat(tests.succeeded().count()).as("passed tests of the README's " + cls).isPositive();
        }
      });
    });
  }
}
