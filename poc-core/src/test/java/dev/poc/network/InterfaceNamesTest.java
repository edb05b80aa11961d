package dev.poc.network;

import dev.poc.internal.ContainerNames;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

class InterfaceNamesTest {

  @Test
  void shortNamesKeepTheSeedsForm() {
    assertThat(InterfaceNames.hostVeth("test0")).isEqualTo("veth0_test0");
    assertThat(InterfaceNames.peerVeth("test0")).isEqualTo("vpeer1_test0");
    assertThat(InterfaceNames.netns("test0")).isEqualTo("netns_test0");
  }

  @Test
  void fullFormIsUsedUpToFifteenCharacters() {
    assertThat(InterfaceNames.hostVeth("abcdefghi")).isEqualTo("veth0_abcdefghi"); // 9: fits
    assertThat(InterfaceNames.hostVeth("abcdefghij")).startsWith("veth0-").hasSize(15); // 10: short form
    assertThat(InterfaceNames.peerVeth("abcdefgh")).isEqualTo("vpeer1_abcdefgh"); // 8: fits
    assertThat(InterfaceNames.peerVeth("abcdefghi")).startsWith("vpeer1-").hasSize(15);
  }

  @Test
  void longNamesGetADeterministicShortForm() {
    String sixty = "a".repeat(30) + "b".repeat(30);
    String host = InterfaceNames.hostVeth(sixty);
    assertThat(host).hasSize(15).matches("veth0-[a-z2-7]{9}").isEqualTo(InterfaceNames.hostVeth(sixty));
    assertThat(InterfaceNames.peerVeth(sixty)).hasSize(15).matches("vpeer1-[a-z2-7]{8}");
    assertThat(InterfaceNames.netns(sixty)).isEqualTo("netns_" + sixty); // no limit there
  }

  @Test
  void aShortFormNeverEqualsAFullForm() {
    // Full forms have '_' where short forms have '-', and container names cannot change that.
    for (int i = 0; i < 10_000; i++) {
      String name = randomName(10 + ThreadLocalRandom.current().nextInt(55));
      String shortForm = InterfaceNames.hostVeth(name);
      assertThat(shortForm.charAt(5)).isEqualTo('-');
      String candidate = shortForm.substring(6);
      assertThat(InterfaceNames.hostVeth(candidate)).isNotEqualTo(shortForm);
    }
  }

  @Test
  void manyNamesSharingAPrefixNeverCollide() {
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < 200_000; i++) {
      String name = "integration-test-container-" + i;
      String previous = seen.put(InterfaceNames.hostVeth(name), name);
      assertThat(previous).as("host veth of %s", name).isNull();
    }
    assertThat(InterfaceNames.hostVeth("tenchars10")).isNotEqualTo(InterfaceNames.hostVeth("tenchars11"));
  }

  @Test
  void everyFormIsAValidInterfaceName() {
    for (int len = 1; len <= 64; len++) {
      String name = randomName(len);
      for (String ifName : new String[] {InterfaceNames.hostVeth(name), InterfaceNames.peerVeth(name)}) {
        assertThat(ifName).hasSizeLessThanOrEqualTo(15).matches("[a-zA-Z0-9_.-]+").doesNotContain("/", ":", " ");
      }
    }
  }

  private static String randomName(int length) {
    String first = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    String rest = first + "_.-";
    StringBuilder sb = new StringBuilder();
    sb.append(first.charAt(ThreadLocalRandom.current().nextInt(first.length())));
    while (sb.length() < length) {
      char c = rest.charAt(ThreadLocalRandom.current().nextInt(rest.length()));
      if (c == '.' && sb.charAt(sb.length() - 1) == '.') {
        continue;
      }
      sb.append(c);
    }
    return ContainerNames.validate(sb.toString());
  }
}
