import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/**
 * Runs a Neo4j 5 community kernel for the test harness (test/support/services/neo4j.ts): Bolt only,
 * on 127.0.0.1 and the given port, with its files in the given directory.
 *
 * <p>Usage: {@code java -cp <launcher>:<neo4j classpath> Neo4jLauncher <dataDir> <port>}, with the
 * password of the {@code neo4j} user in the {@code MF_NEO4J_PASSWORD} environment variable (not an
 * argument, so it does not show in the process list). Authentication stays on, as in production:
 * the embedded API runs with full rights, so it sets that password on the system database itself.
 * Prints {@code READY} once the password is set. SIGTERM runs the shutdown hook, which checkpoints
 * and closes the stores, so the data directory stays usable.
 */
public final class Neo4jLauncher {
  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: Neo4jLauncher <dataDir> <port>");
      System.exit(2);
    }
    Path dataDir = Path.of(args[0]).toAbsolutePath();
    int port = Integer.parseInt(args[1]);
    String password = System.getenv("MF_NEO4J_PASSWORD");
    if (password == null || password.length() < 8) {
      System.err.println("MF_NEO4J_PASSWORD must hold a password of at least 8 characters");
      System.exit(2);
    }

    DatabaseManagementService service;
    try {
      service = build(dataDir, port);
    } catch (RuntimeException error) {
      // A taken port or a locked store: exit at once (the kernel's non-daemon threads would
      // otherwise keep the JVM alive) so the harness can try another port.
      error.printStackTrace();
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(service::shutdown, "neo4j-shutdown"));
    try {
      service
          .database("system")
          .executeTransactionally(
              "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
    } catch (RuntimeException error) {
      error.printStackTrace();
      System.exit(1);
    }
    System.out.println("READY");
    System.out.flush();
  }

  private static DatabaseManagementService build(Path dataDir, int port) {
    return new DatabaseManagementServiceBuilder(dataDir)
        .setConfig(BoltConnector.enabled, true)
        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
        .setConfig(HttpConnector.enabled, false)
        .setConfig(HttpsConnector.enabled, false)
        .setConfig(GraphDatabaseSettings.auth_enabled, true)
        // A shared 2-core test machine: a small page cache, small unpreallocated transaction logs,
        // no usage reporting (the machine has no internet anyway).
        .setConfig(GraphDatabaseSettings.pagecache_memory, 64L * 1024 * 1024)
        .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
        .setConfig(GraphDatabaseSettings.keep_logical_logs, "1 files")
        .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, 16L * 1024 * 1024)
        .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(2))
        .setConfig(GraphDatabaseSettings.udc_enabled, false)
        // The databases are checkpointed and closed before Bolt stops; Netty's default quiet
        // periods would only add about ten idle seconds to every shutdown.
        .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
        .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(2))
        .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
        .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
        .build();
  }
}
