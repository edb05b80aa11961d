package dev.poc.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The member list as the DNS responder reads it, and the hosts files it keeps in step. */
class NetworkMembersTest {
  @TempDir
  Path dir;

  @Test
  void namesMapEachNameAndAliasInLowerCaseToTheAddressesOfTheMembersThatHaveIt() throws Exception {
    NetworkMembers members = new NetworkMembers(dir);
    Path hostsA = Files.writeString(dir.resolve("hosts-a"), "");
    Path hostsB = Files.writeString(dir.resolve("hosts-b"), "");
    members.join("web1", "10.210.1.2", List.of("web1", "Web"), hostsA);
    members.join("web2", "10.210.2.2", List.of("web2", "web"), hostsB);
    assertThat(members.names()).containsEntry("web", List.of("10.210.1.2", "10.210.2.2"))
        .containsEntry("web1", List.of("10.210.1.2")).containsEntry("web2", List.of("10.210.2.2"));
    assertThat(Files.readString(hostsA)).as("the hosts fallback, rewritten on join").contains("10.210.2.2\tweb2 web");

    members.leave("web1", "10.210.1.2");
    assertThat(members.names()).doesNotContainKey("web1").containsEntry("web", List.of("10.210.2.2"));
    members.leave("web2", "10.9.9.9"); // a later start's entry is not removed by an earlier one's leave
    assertThat(members.names()).containsKey("web2");
  }
}
