using System.CommandLine;
using System.Runtime.InteropServices;
using ConnectorHost.Abstractions;
using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.Configuration;
using ConnectorHost.Hosting;
using ConnectorHost.Logging;
using ConnectorHost.Plugins;
using ConnectorHost.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace ConnectorHost.Cli;

/// <summary>
/// <c>connector-host</c>: <c>run</c> (the default), <c>validate</c>, <c>plugins</c>, <c>status</c>,
/// <c>sync &lt;name&gt;</c>, <c>cursor show|reset|set &lt;name&gt;</c>, <c>dead-letters list|retry|purge &lt;name&gt;</c>.
/// </summary>
/// <remarks>
/// Verbs that read or change state (<c>status</c>, <c>sync</c>, <c>cursor</c>, <c>dead-letters</c>) ask the running
/// service first, over its loopback control endpoint; when no service runs they open the data folder themselves.
/// Either way the same code does the work.
/// </remarks>
internal static class CommandLine
{
    private static readonly Option<string?> s_config = new("--config", "-c")
    {
        Description = "The configuration file (default: ./plugins.json, else plugins.json next to the executable; or $CONNECTOR_HOST_CONFIG).",
        Recursive = true,
    };

    private static readonly Option<bool> s_json = new("--json")
    {
        Description = "Answer in JSON.",
        Recursive = true,
    };

    public static RootCommand Build(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("ConnectorHost keeps MemorySync in step with your sources through connector plugins.");
        root.Options.Add(s_config);
        root.Options.Add(s_json);

        var run = new Command("run", "Run the service: schedule every enabled connector until stopped (SIGTERM/SIGINT).");
        run.SetAction((parse, ct) => Guard(error, () => RunAsync(parse, output, ct)));
        root.Subcommands.Add(run);
        root.SetAction((parse, ct) => Guard(error, () => RunAsync(parse, output, ct)));

        var checkConnections = new Option<bool>("--check-connections")
        {
            Description = "Also call MemorySync and each connector's source to check reach and credentials.",
        };
        var validate = new Command("validate", "Check plugins.json and the plugins; change nothing.") { checkConnections };
        validate.SetAction((parse, ct) => Guard(error, () => ValidateAsync(parse, parse.GetValue(checkConnections), output, ct)));
        root.Subcommands.Add(validate);

        var plugins = new Command("plugins", "List the plugins found, with their status and the reason when one cannot run.");
        plugins.SetAction((parse, ct) => Guard(error, () => PluginsAsync(parse, output)));
        root.Subcommands.Add(plugins);

        var status = new Command("status", "Show every connector: state, last run, next run, error rate, dead letters, cursor lag.");
        status.SetAction((parse, ct) => Guard(error, () => WithOperationsAsync(parse, output, error, requireHealth: false, async (ops, printer) =>
        {
            var report = await ops.GetStatusAsync(ct);
            if (parse.GetValue(s_json))
            {
                printer.Json(report);
            }
            else
            {
                printer.Status(report);
            }

            return ExitCodes.Ok;
        }, ct)));
        root.Subcommands.Add(status);

        root.Subcommands.Add(BuildSync(output, error));
        root.Subcommands.Add(BuildCursor(output, error));
        root.Subcommands.Add(BuildDeadLetters(output, error));
        return root;
    }

    private static Command BuildSync(TextWriter output, TextWriter error)
    {
        var name = new Argument<string>("name") { Description = "The connector to run now." };
        var full = new Option<bool>("--full") { Description = "Re-read the source from the beginning, then prune deletions." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Read and report what would be sent; send and record nothing." };
        var allowMassDelete = new Option<bool>("--allow-mass-delete")
        {
            Description = "Let pruning forget more than the connector's maxDeletePercent of its items.",
        };
        var sync = new Command("sync", "Run one connector now and report what it did.") { name, full, dryRun, allowMassDelete };
        sync.SetAction((parse, ct) => Guard(error, () => WithOperationsAsync(parse, output, error, requireHealth: !parse.GetValue(dryRun), async (ops, printer) =>
        {
            var result = await ops.SyncAsync(
                parse.GetValue(name)!,
                new SyncOptions(parse.GetValue(full), parse.GetValue(dryRun), parse.GetValue(allowMassDelete)),
                ct);
            if (!result.IsSuccess)
            {
                return Fail(result.Error, result.Message!);
            }

            if (parse.GetValue(s_json))
            {
                printer.Json(result.Value);
            }
            else
            {
                printer.Run(result.Value!);
            }

            return result.Value!.IsSuccess ? ExitCodes.Ok : ExitCodes.Failed;
        }, ct, localLogLevel: LogEventLevel.Information)));
        return sync;
    }

    private static Command BuildCursor(TextWriter output, TextWriter error)
    {
        var cursor = new Command("cursor", "Show, reset or set a connector's cursor (its resume position in the source).");

        var showName = new Argument<string>("name");
        var show = new Command("show", "Show the current cursor and the earlier revisions kept.") { showName };
        show.SetAction((parse, ct) => Guard(error, () => WithOperationsAsync(parse, output, error, false, async (ops, printer) =>
            Print(parse, printer, await ops.GetCursorAsync(parse.GetValue(showName)!, ct), printer.Cursor), ct)));
        cursor.Subcommands.Add(show);

        var resetName = new Argument<string>("name");
        var reset = new Command("reset", "Forget the cursor: the next run reads the source from the beginning (delivered items are not sent again).") { resetName };
        reset.SetAction((parse, ct) => Guard(error, () => WithOperationsAsync(parse, output, error, false, async (ops, printer) =>
            Print(parse, printer, await ops.ResetCursorAsync(parse.GetValue(resetName)!, ct), printer.Cursor), ct)));
        cursor.Subcommands.Add(reset);

        var setName = new Argument<string>("name");
        var value = new Argument<string?>("value") { Description = "The new cursor, exactly as the connector writes it.", Arity = ArgumentArity.ZeroOrOne };
        var revision = new Option<long?>("--revision") { Description = "Go back to an earlier revision kept in the cursor's history." };
        var set = new Command("set", "Set the cursor to a value, or back to an earlier revision.") { setName, value, revision };
        set.SetAction((parse, ct) => Guard(error, () => WithOperationsAsync(parse, output, error, false, async (ops, printer) =>
            Print(parse, printer, await ops.SetCursorAsync(parse.GetValue(setName)!, new CursorChange(parse.GetValue(value), parse.GetValue(revision)), ct), printer.Cursor), ct)));
        cursor.Subcommands.Add(set);
        return cursor;
    }

    private static Command BuildDeadLetters(TextWriter output, TextWriter error)
    {
        var deadLetters = new Command("dead-letters", "Items MemorySync refused: list them, send them again, or drop them.");

        var listName = new Argument<string>("name");
        var list = new Command("list", "List a connector's dead letters with their reasons.") { listName };
        list.SetAction((parse, ct) => Guard(error, () => WithOperationsAsync(parse, output, error, false, async (ops, printer) =>
            Print(parse, printer, await ops.ListDeadLettersAsync(parse.GetValue(listName)!, ct), v => printer.DeadLetters(parse.GetValue(listName)!, v)), ct)));
        deadLetters.Subcommands.Add(list);

        var retryName = new Argument<string>("name");
        var retry = new Command("retry", "Send a connector's dead letters again (after fixing their cause).") { retryName };
        retry.SetAction((parse, ct) => Guard(error, () => WithOperationsAsync(parse, output, error, true, async (ops, printer) =>
        {
            var result = await ops.RetryDeadLettersAsync(parse.GetValue(retryName)!, ct);
            return Print(parse, printer, result, v => printer.Line(
                $"Re-sent {v.Retried}, delivered {v.Delivered}, already delivered {v.AlreadyDelivered}, still failing {v.StillFailing}" +
                (v.NotRetryable.Count > 0 ? $"; not retryable: {string.Join("; ", v.NotRetryable)}" : "") +
                (v.Error is null ? "" : $"; error: {v.Error}")));
        }, ct)));
        deadLetters.Subcommands.Add(retry);

        var purgeName = new Argument<string>("name");
        var purge = new Command("purge", "Drop a connector's dead letters for good.") { purgeName };
        purge.SetAction((parse, ct) => Guard(error, () => WithOperationsAsync(parse, output, error, false, async (ops, printer) =>
            Print(parse, printer, await ops.PurgeDeadLettersAsync(parse.GetValue(purgeName)!, ct), n => printer.Line($"Dropped {n} dead letter(s).")), ct)));
        deadLetters.Subcommands.Add(purge);
        return deadLetters;
    }

    private static async Task<int> RunAsync(ParseResult parse, TextWriter output, CancellationToken cancellationToken)
    {
        var configuration = LoadConfiguration(parse);
        var serilog = HostLogging.Create(new LogSettings
        {
            MinimumLevel = ToSerilog(configuration.Host.LogLevel),
            LogDirectory = configuration.Host.LogDirectory,
            Redact = configuration.Secrets.Redact,
        });
        await using var _ = (IAsyncDisposable)serilog;
        using var loggerFactory = new SerilogLoggerFactory(serilog);
        var logger = loggerFactory.CreateLogger("ConnectorHost");
        logger.LogInformation("connector-host {Version} starting with {Config}", HostInfo.ProductVersion, configuration.DisplayPath);
        foreach (var warning in configuration.Warnings)
        {
            logger.LogWarning("{Warning}", warning.ToString());
        }

        await using var runtime = await OpenRuntimeAsync(configuration, loggerFactory);
        LogPluginProblems(runtime, logger);
        await CheckMemorySyncAsync(runtime, cancellationToken);
        output.Flush();
        await ServiceHost.RunAsync(runtime, serilog, cancellationToken);
        return ExitCodes.Ok;
    }

    private static async Task<int> ValidateAsync(ParseResult parse, bool checkConnections, TextWriter output, CancellationToken cancellationToken)
    {
        var configuration = LoadConfiguration(parse);
        var printer = new Printer(output, configuration.Secrets.Redact);
        using var loggerFactory = CliLoggerFactory(configuration, LogEventLevel.Error);
        await using var appliance = await Appliance.LoadAsync(configuration, OfflineHostServices(configuration, loggerFactory), loggerFactory);
        var problems = appliance.Catalog.Plugins.Where(p => p.Status is PluginStatus.NotSupported or PluginStatus.Malfunctioned).ToList();
        var unavailable = appliance.Registry.Entries.Where(e => e.Enabled && e.Handle is null).ToList();

        if (parse.GetValue(s_json))
        {
            printer.Json(new
            {
                file = configuration.DisplayPath,
                valid = true,
                warnings = configuration.Warnings.Select(w => w.ToString()),
                plugins = appliance.PluginStatuses(),
                connectors = appliance.Registry.Entries.Select(e => new { e.Name, e.Plugin, e.Enabled, runnable = e.Handle is not null, e.UnavailableReason }),
            });
        }
        else
        {
            printer.Line($"{configuration.DisplayPath} is valid.");
            printer.Line($"MemorySync: {configuration.MemorySync.BaseUrl} (tier {configuration.MemorySync.Tier}, API key {(configuration.MemorySync.ApiKey.Length > 0 ? "set" : "missing")})");
            foreach (var entry in appliance.Registry.Entries)
            {
                printer.Line($"  {entry.Name} -> {entry.Plugin}: " +
                             (!entry.Enabled ? "disabled" : entry.Handle is not null ? $"ready, {(entry.Schedule is null ? "manual runs only" : "schedule " + entry.Schedule.Cron)}" : "UNAVAILABLE: " + entry.UnavailableReason));
            }

            foreach (var warning in configuration.Warnings)
            {
                printer.Line($"warning: {warning}");
            }

            foreach (var plugin in problems)
            {
                printer.Line($"plugin {plugin.FolderName}: {plugin.Status}: {plugin.Reason}");
            }
        }

        var exitCode = problems.Count > 0 || unavailable.Count > 0 ? ExitCodes.PluginProblem : ExitCodes.Ok;
        if (checkConnections)
        {
            exitCode = Math.Max(exitCode, await CheckConnectionsAsync(configuration, appliance, printer, loggerFactory, cancellationToken));
        }

        return exitCode;
    }

    private static async Task<int> CheckConnectionsAsync(
        HostConfiguration configuration, Appliance appliance, Printer printer, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var exitCode = ExitCodes.Ok;
        await using (var memorySync = new ServiceCollection()
            .AddSingleton(loggerFactory)
            .AddSingleton(TimeProvider.System)
            .AddMemorySyncFor(configuration)
            .BuildServiceProvider())
        {
            try
            {
                var health = await memorySync.GetRequiredService<IMemorySyncClient>().GetHealthAsync(cancellationToken);
                printer.Line($"MemorySync {configuration.MemorySync.BaseUrl}: {health.Status}");
            }
            catch (MemorySyncException ex)
            {
                printer.Line($"MemorySync {configuration.MemorySync.BaseUrl}: UNREACHABLE: {ex.Message}");
                exitCode = ExitCodes.Failed;
            }
        }

        foreach (var entry in appliance.Registry.Entries.Where(e => e.Handle is not null))
        {
            await using var scope = entry.Handle!.Services.CreateAsyncScope();
            if (scope.ServiceProvider.GetRequiredService<IConnector>() is not IConnectionCheck check)
            {
                printer.Line($"  {entry.Name}: no connection check offered by the plugin");
                continue;
            }

            try
            {
                using (entry.Handle.EnterPluginContext?.Invoke())
                {
                    await check.CheckConnectionAsync(cancellationToken);
                }

                printer.Line($"  {entry.Name}: connection OK");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                printer.Line($"  {entry.Name}: FAILED: {ex.Message}");
                exitCode = ExitCodes.Failed;
            }
        }

        return exitCode;
    }

    private static async Task<int> PluginsAsync(ParseResult parse, TextWriter output)
    {
        var configuration = LoadConfiguration(parse);
        var printer = new Printer(output, configuration.Secrets.Redact);
        using var loggerFactory = CliLoggerFactory(configuration, LogEventLevel.Error);
        using var catalog = PluginCatalog.Load(
            new PluginCatalogOptions
            {
                PluginsDirectory = configuration.Host.PluginsDirectory,
                Policies = configuration.Plugins.ToDictionary(
                    p => p.Key, p => new Plugins.PluginPolicy { Enabled = p.Value.Enabled, Sha256 = p.Value.Sha256 }, StringComparer.OrdinalIgnoreCase),
            },
            loggerFactory.CreateLogger("ConnectorHost.Plugins"));
        var plugins = catalog.Plugins
            .Select(p => new Status.PluginStatusEntry(p.FolderName, p.Id, p.Version, p.ContractVersion?.ToString(), p.Status.ToString(), p.Reason))
            .ToList();
        if (parse.GetValue(s_json))
        {
            printer.Json(plugins);
        }
        else
        {
            printer.Plugins(plugins);
        }

        return catalog.Plugins.Any(p => p.Status is PluginStatus.NotSupported or PluginStatus.Malfunctioned)
            ? ExitCodes.PluginProblem
            : ExitCodes.Ok;
    }

    /// <summary>Runs <paramref name="body"/> against the running service, or against the data folder when none runs.</summary>
    private static async Task<int> WithOperationsAsync(
        ParseResult parse,
        TextWriter output,
        TextWriter error,
        bool requireHealth,
        Func<IApplianceOperations, Printer, Task<int>> body,
        CancellationToken cancellationToken,
        LogEventLevel localLogLevel = LogEventLevel.Warning)
    {
        var configuration = LoadConfiguration(parse);
        var printer = new Printer(output, configuration.Secrets.Redact);
        using (var remote = await ControlClient.TryConnectAsync(configuration.Host.ControlUrl, configuration.Host.DataDirectory, cancellationToken))
        {
            if (remote is not null)
            {
                return await body(remote, printer);
            }
        }

        using var loggerFactory = CliLoggerFactory(configuration, localLogLevel);
        await using var runtime = await OpenRuntimeAsync(configuration, loggerFactory);
        if (requireHealth)
        {
            await CheckMemorySyncAsync(runtime, cancellationToken);
        }

        // A run in this process stops gracefully on SIGINT/SIGTERM, like the service does.
        using var stopping = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token, cancellationToken);
        _ = error;
        return await body(runtime.CreateOperations("offline", null, linked.Token), printer);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stopping.Cancel();
        }
    }

    private static int Print<T>(ParseResult parse, Printer printer, OperationResult<T> result, Action<T> human)
    {
        if (!result.IsSuccess)
        {
            return Fail(result.Error, result.Message!);
        }

        if (parse.GetValue(s_json))
        {
            printer.Json(result.Value);
        }
        else
        {
            human(result.Value!);
        }

        return ExitCodes.Ok;
    }

    private static int Fail(OperationError error, string message) =>
        throw new CliExitException(
            error switch
            {
                OperationError.NotFound or OperationError.Disabled => ExitCodes.BadConfig,
                OperationError.Unavailable => ExitCodes.PluginProblem,
                _ => ExitCodes.Failed,
            },
            message);

    private static HostConfiguration LoadConfiguration(ParseResult parse)
    {
        var path = parse.GetValue(s_config)
                   ?? Environment.GetEnvironmentVariable("CONNECTOR_HOST_CONFIG")
                   ?? (File.Exists("plugins.json") ? "plugins.json" : Path.Combine(AppContext.BaseDirectory, "plugins.json"));
        return ConfigurationLoader.Load(path);
    }

    private static async Task<ApplianceRuntime> OpenRuntimeAsync(HostConfiguration configuration, ILoggerFactory loggerFactory) =>
        await ApplianceRuntime.CreateAsync(configuration, loggerFactory, TimeProvider.System);

    private static async Task CheckMemorySyncAsync(ApplianceRuntime runtime, CancellationToken cancellationToken)
    {
        try
        {
            var health = await runtime.CheckMemorySyncAsync(cancellationToken);
            if (!health.IsHealthy)
            {
                runtime.LoggerFactory.CreateLogger("ConnectorHost").LogWarning(
                    "MemorySync at {BaseUrl} reports {Status}; continuing", runtime.Configuration.MemorySync.BaseUrl, health.Status);
            }
        }
        catch (MemorySyncException ex)
        {
            throw new CliExitException(
                ExitCodes.Failed,
                $"MemorySync at {runtime.Configuration.MemorySync.BaseUrl} is not usable: {ex.Message}. " +
                "Check memorySync.baseUrl, the API key and the network; nothing was run.");
        }
    }

    private static void LogPluginProblems(ApplianceRuntime runtime, Microsoft.Extensions.Logging.ILogger logger)
    {
        foreach (var entry in runtime.Registry.Entries.Where(e => e.Enabled && e.Handle is null))
        {
            logger.LogWarning("Connector {Connector} will not run: {Reason}", entry.Name, entry.UnavailableReason);
        }
    }

    private static PluginHostServices OfflineHostServices(HostConfiguration configuration, ILoggerFactory loggerFactory) =>
        new(
            loggerFactory,
            TimeProvider.System,
            new Delivery.IdempotencyKeyBuilder(),
            () => throw new InvalidOperationException("validate does not call MemorySync from plugins"),
            () => throw new InvalidOperationException($"validate does not open the state database in {configuration.Host.DataDirectory}"));

    private static SerilogLoggerFactory CliLoggerFactory(HostConfiguration configuration, LogEventLevel level) =>
        new(HostLogging.Create(new LogSettings
        {
            MinimumLevel = level,
            ConsoleToStandardError = true,
            LogDirectory = level <= LogEventLevel.Information ? configuration.Host.LogDirectory : null,
            Redact = configuration.Secrets.Redact,
        }), dispose: true);

    private static IServiceCollection AddMemorySyncFor(this IServiceCollection services, HostConfiguration configuration) =>
        MemorySync.MemorySyncServiceCollectionExtensions.AddMemorySync(services, ApplianceRuntime.ToOptions(configuration.MemorySync));

    private static LogEventLevel ToSerilog(LogLevel level) => level switch
    {
        LogLevel.Trace => LogEventLevel.Verbose,
        LogLevel.Debug => LogEventLevel.Debug,
        LogLevel.Warning => LogEventLevel.Warning,
        LogLevel.Error => LogEventLevel.Error,
        LogLevel.Critical => LogEventLevel.Fatal,
        _ => LogEventLevel.Information,
    };

    /// <summary>The boundary of every verb: known failures become their exit code and one message on standard error.</summary>
    private static async Task<int> Guard(TextWriter error, Func<Task<int>> verb)
    {
        try
        {
            return await verb();
        }
        catch (CliExitException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return ex.ExitCode;
        }
        catch (ConfigurationException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return ExitCodes.BadConfig;
        }
        catch (StorageException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return ExitCodes.Failed;
        }
        catch (PluginException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return ExitCodes.PluginProblem;
        }
    }
}
