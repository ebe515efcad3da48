using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Display;

namespace ConnectorHost.Logging;

/// <summary>Where and how the host logs.</summary>
internal sealed record LogSettings
{
    public LogEventLevel MinimumLevel { get; init; } = LogEventLevel.Information;

    /// <summary>Rolling daily files here when set (kept 14 days).</summary>
    public string? LogDirectory { get; init; }

    /// <summary>Console output on standard error (CLI verbs, whose standard output is their answer).</summary>
    public bool ConsoleToStandardError { get; init; }

    public bool Console { get; init; } = true;

    /// <summary>Replaces every secret in a rendered line (from the configuration's secret registry).</summary>
    public Func<string, string> Redact { get; init; } = static s => s;

    /// <summary>More sinks (tests collect log lines here).</summary>
    public Action<LoggerConfiguration>? Configure { get; init; }
}

internal static class HostLogging
{
    public const string OutputTemplate =
        "[{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} {Level:u3}] {RunScope:l}{Message:l}{NewLine}{Exception}";

    public static Serilog.ILogger Create(LogSettings settings)
    {
        var formatter = new RedactingFormatter(new MessageTemplateTextFormatter(OutputTemplate, System.Globalization.CultureInfo.InvariantCulture), settings.Redact);
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(settings.MinimumLevel)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("System", LogEventLevel.Warning)
            .MinimumLevel.Override("Quartz", LogEventLevel.Warning)
            // Polly reports every attempt, with stack traces for lost connections; the client logs each retry and wait
            // itself, in one line.
            .MinimumLevel.Override("Polly", LogEventLevel.Error)
            .Enrich.FromLogContext()
            .Enrich.With<RunScopeEnricher>();
        if (settings.Console)
        {
            configuration.WriteTo.Console(
                formatter,
                standardErrorFromLevel: settings.ConsoleToStandardError ? LogEventLevel.Verbose : null);
        }

        if (settings.LogDirectory is { } directory)
        {
            configuration.WriteTo.File(
                formatter,
                Path.Combine(directory, "connector-host-.log"),
                rollingInterval: RollingInterval.Day,
                retainedFileCountLimit: 14,
                fileSizeLimitBytes: 100L * 1024 * 1024,
                rollOnFileSizeLimit: true,
                shared: false,
                flushToDiskInterval: TimeSpan.FromSeconds(1));
        }

        settings.Configure?.Invoke(configuration);
        return configuration.CreateLogger();
    }

    /// <summary>Renders a line, then removes every secret from it, so that no sink ever receives one.</summary>
    internal sealed class RedactingFormatter(ITextFormatter inner, Func<string, string> redact) : ITextFormatter
    {
        public void Format(LogEvent logEvent, TextWriter output)
        {
            using var buffer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            inner.Format(logEvent, buffer);
            output.Write(redact(buffer.ToString()));
        }
    }

    /// <summary>"[connector run-id] " in front of lines logged inside a run's scope.</summary>
    private sealed class RunScopeEnricher : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            var scope = logEvent.Properties.TryGetValue("Connector", out var connector)
                ? logEvent.Properties.TryGetValue("RunId", out var runId)
                    ? $"[{Unquote(connector)} {Unquote(runId)}] "
                    : $"[{Unquote(connector)}] "
                : string.Empty;
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("RunScope", scope));
        }

        private static string Unquote(LogEventPropertyValue value) =>
            value is ScalarValue { Value: string s } ? s : value.ToString();
    }
}
