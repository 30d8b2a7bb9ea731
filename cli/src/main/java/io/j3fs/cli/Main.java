package io.j3fs.cli;

import io.j3fs.common.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code j3fs} command. Server subcommands (mgmtd, meta, storage, fuse), the admin commands and
 * {@code up}/{@code down} are added by the issues that build those parts. {@code j3fs bench ...} is
 * dispatched by the launcher script to the bench module, which nothing else depends on.
 *
 * <p>Exit codes: 0 success, 1 failure, 2 usage error (picocli's default for bad invocations).
 */
@Command(
    name = "j3fs",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    subcommands = {
      io.j3fs.cli.server.MgmtdCommand.class,
      io.j3fs.cli.server.MetaCommand.class,
      io.j3fs.cli.server.StorageCommand.class,
      io.j3fs.cli.server.FuseCommand.class,
      io.j3fs.cli.admin.AdminCommand.class,
      io.j3fs.cli.local.UpCommand.class,
      io.j3fs.cli.local.DownCommand.class
    },
    description =
        "j3fs: a distributed file system for AI workloads (a Java implementation of the 3FS design).",
    footer = {
      "",
      "Benchmarks: j3fs bench --help (run from the bench module by the launcher script).",
      "Docs: README.md, docs/architecture.md, docs/configuration.md."
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code (for tests). */
  public static int execute(String... args) {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(
            (failure, command, parsed) -> {
              // One line naming the status, not a stack trace: failures are statuses, not exception
              // text.
              String reason =
                  switch (failure) {
                    case io.j3fs.common.status.StatusException status ->
                        status.code() + ": " + status.getMessage();
                    // Messages meant for the user as they are: a bad config key, a refused start.
                    case io.j3fs.common.config.TomlConfig.ConfigException bad -> bad.getMessage();
                    case IllegalStateException refused -> refused.getMessage();
                    case java.io.UncheckedIOException io -> io.getCause().getMessage();
                    default -> failure.toString();
                  };
              command.getErr().println("j3fs " + command.getCommandName() + ": " + reason);
              return 1;
            })
        .execute(args);
  }

  @Override
  public void run() {
    // No subcommand given: show what there is.
    spec.commandLine().usage(System.out);
  }

  /** Reports the build version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "j3fs " + BuildInfo.version(),
        "JVM " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
      };
    }
  }
}
