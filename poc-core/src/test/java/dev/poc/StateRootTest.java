package dev.poc;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A test with a fresh state root and a runtime on it; afterwards it prunes the root and checks
 * that no mount and no loop device of it is left on the host.
 */
abstract class StateRootTest {
  Path state;
  ContainerRuntime rt;

  @BeforeEach
  void openRuntime() throws Exception {
    state = TestRootfs.stateRoot();
    rt = ContainerRuntime.open(state);
  }

  @AfterEach
  void pruneAndCheckForLeaks() throws Exception {
    rt.prune();
    rt.close();
    StorageFixtures.assertNoMountsOrLoops(state);
  }
}
