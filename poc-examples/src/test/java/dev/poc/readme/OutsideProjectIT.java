package dev.poc.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A project of someone else's, made in a temp directory with nothing of poc but the README's
 * dependency snippet, against the artifacts this build made (installed into a local repository of
 * the test's own, never the shared ~/.m2): its harness test passes, and its dependency tree has
 * poc-core and the JUnit API but no picocli and no SLF4J binding.
 */
class OutsideProjectIT {
  private static final String VERSION = System.getProperty("poc.version", "0.1.0-SNAPSHOT");
  private static final Path ROOT = Path.of(System.getProperty("poc.root", "..")).toAbsolutePath().normalize();

  /**
   * Versions older than poc's own that a Spring Boot 3 project's BOM (Jackson) or its own
   * dependencyManagement (Guava) pins, as a user's build would: they win over poc-core's, and poc
   * must still work on them. All in the machine's Maven cache: the test is offline.
   */
  private static final String PINS = """
      <dependencyManagement>
        <dependencies>
          <dependency><groupId>com.google.guava</groupId><artifactId>guava</artifactId><version>32.1.3-jre</version></dependency>
          <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>2.17.2</version></dependency>
          <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-core</artifactId><version>2.17.2</version></dependency>
          <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-annotations</artifactId><version>2.17.2</version></dependency>
        </dependencies>
      </dependencyManagement>
      """;

  @Test
  void aProjectWithOnlyTheReadmesSnippetRunsAHarnessTestAndGetsNoCliOrLoggingBinding(@TempDir Path tmp) throws Exception {
    Path repo = Files.createDirectories(tmp.resolve("repo"));
    Path settings = installPoc(tmp, repo);
    Path project = outsideProject(tmp.resolve("outside"), "");
    Result run = mvn(project, repo, settings, "test");
    assertThat(run.code).as(run.out).isZero();
    assertThat(run.out).contains("Tests run: 1, Failures: 0, Errors: 0, Skipped: 0");
    Result tree = mvn(project, repo, settings, "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:tree");
    assertThat(tree.code).as(tree.out).isZero();
    assertThat(tree.out).contains("dev.poc:poc-examples:jar:" + VERSION, "dev.poc:poc-core:jar:" + VERSION,
        "org.junit.jupiter:junit-jupiter-api");
    assertThat(tree.out).doesNotContain("picocli", "slf4j-simple", "logback-classic", "slf4j-reload4j", "log4j-slf4j");
  }

  @Test
  void aProjectThatPinsOlderGuavaAndJacksonAsSpringBootDoesStillRunsAHarnessTest(@TempDir Path tmp) throws Exception {
    Path repo = Files.createDirectories(tmp.resolve("repo"));
    Path settings = installPoc(tmp, repo);
    Path project = outsideProject(tmp.resolve("pinned"), PINS);
    Result tree = mvn(project, repo, settings, "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:tree");
    assertThat(tree.code).as(tree.out).isZero();
    assertThat(tree.out).as("the project's pins win").contains("com.google.guava:guava:jar:32.1.3-jre",
        "com.fasterxml.jackson.core:jackson-databind:jar:2.17.2", "com.fasterxml.jackson.core:jackson-core:jar:2.17.2");
    Result run = mvn(project, repo, settings, "test");
    assertThat(run.code).as(run.out).isZero();
    assertThat(run.out).contains("Tests run: 1, Failures: 0, Errors: 0, Skipped: 0");
  }

  /** Installs poc's parent pom, poc-core and poc-examples into {@code repo}; returns the settings to build with. */
  private static Path installPoc(Path tmp, Path repo) throws Exception {
    // Released plugins and libraries come from the machine's Maven cache, read as a file:// mirror.
    Path settings = Files.writeString(tmp.resolve("settings.xml"), "<settings><mirrors><mirror><id>machine-cache</id>"
        + "<mirrorOf>*</mirrorOf><url>" + Path.of(System.getProperty("user.home"), ".m2", "repository").toUri()
        + "</url></mirror></mirrors></settings>");
    install(tmp, repo, settings, ROOT.resolve("pom.xml"), ROOT.resolve("pom.xml"), "-Dpackaging=pom");
    install(tmp, repo, settings, ROOT.resolve("poc-core/target/poc-core-" + VERSION + ".jar"),
        ROOT.resolve("poc-core/pom.xml"));
    install(tmp, repo, settings, ROOT.resolve("poc-examples/target/poc-examples-" + VERSION + ".jar"),
        ROOT.resolve("poc-examples/pom.xml"));
    return settings;
  }

  /**
   * A project in {@code dir} with the README's snippet and {@code management} (a
   * dependencyManagement section, or nothing), and one harness test class; returns {@code dir}.
   */
  private static Path outsideProject(Path dir, String management) throws IOException {
    Path project = Files.createDirectories(dir);
    Files.writeString(project.resolve("pom.xml"), pom(readmeDependency(), management));
    Path test = Files.createDirectories(project.resolve("src/test/java/org/example"));
    Files.writeString(test.resolve("OutsideTest.java"), """
        package org.example;

        import static org.junit.jupiter.api.Assertions.assertEquals;

        import dev.poc.junit.Managed;
        import dev.poc.junit.PocContainer;
        import dev.poc.junit.PocTest;
        import dev.poc.junit.Wait;
        import org.junit.jupiter.api.Test;

        @PocTest
        class OutsideTest {
          @Managed
          static PocContainer c = new PocContainer("sh", "-c", "echo ready; exec sleep 1000").waitingFor(Wait.forLogLine("ready"));

          @Test
          void runs() {
            assertEquals("hi\\n", c.exec("echo", "hi").stdout());
          }
        }
        """);
    return project;
  }

  /** The README's Maven snippet for the harness, as a user copies it. */
  private static String readmeDependency() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    Matcher m = Pattern.compile("```xml\\n(<dependency>.*?</dependency>)\\n```", Pattern.DOTALL).matcher(readme);
    assertThat(m.find()).as("a <dependency> snippet in the README").isTrue();
    return m.group(1);
  }

  private static String pom(String dependency, String management) {
    return """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>org.example</groupId>
          <artifactId>outside</artifactId>
          <version>1</version>
          <properties>
            <maven.compiler.release>17</maven.compiler.release>
            <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
          </properties>
          %s
          <dependencies>
            %s
            <dependency>
              <groupId>org.junit.jupiter</groupId>
              <artifactId>junit-jupiter</artifactId>
              <version>5.14.1</version>
              <scope>test</scope>
            </dependency>
          </dependencies>
          <build>
            <plugins>
              <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
              <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-surefire-plugin</artifactId><version>3.5.2</version></plugin>
            </plugins>
          </build>
        </project>
        """.formatted(management, dependency);
  }

  private static void install(Path tmp, Path repo, Path settings, Path file, Path pom, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("org.apache.maven.plugins:maven-install-plugin:3.1.2:install-file",
        "-Dfile=" + file, "-DpomFile=" + pom));
    args.addAll(List.of(extra));
    Result r = mvn(tmp, repo, settings, args.toArray(new String[0]));
    assertThat(r.code).as("installing " + file + " into the test's own repository:\n" + r.out).isZero();
  }

  private record Result(int code, String out) {}

  private static Result mvn(Path dir, Path repo, Path settings, String... goals) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-ntp", "-s", settings.toString(),
        "-Dmaven.repo.local=" + repo));
    cmd.addAll(List.of(goals));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("mvn " + goals[0] + " did not end within 10 minutes:\n" + out);
    }
    return new Result(p.exitValue(), out);
  }
}
