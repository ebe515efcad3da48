using ConnectorHost.Delivery;
using ConnectorHost.Hosting;
using ConnectorHost.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace ConnectorHost.Scheduling;

/// <summary>
/// The one Quartz job of every connector: runs it through the <see cref="ConnectorRunner"/>, unless the connector
/// is backing off after consecutive failures.
/// </summary>
/// <remarks>
/// Quartz keeps two firings of one connector apart ([DisallowConcurrentExecution] applies per job key, and each
/// connector has its own); the run lease also keeps a scheduled run apart from a manual one.
/// </remarks>
[DisallowConcurrentExecution]
internal sealed class ConnectorJob(
    IConnectorRegistry registry,
    ConnectorRunner runner,
    IRunHistory history,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ConnectorJob> logger) : IJob
{
    public const string Group = "connectors";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        var name = context.JobDetail.Key.Name;
        if (registry.Find(name) is not { } connector)
        {
            logger.LogWarning("Scheduled run of {Connector} skipped: {Reason}", name, registry.WhyUnavailable(name));
            return;
        }

        var state = history.GetState(name);
        if (state.BackoffUntil is { } until && DateTimeOffset.FromUnixTimeMilliseconds(until) > time.GetUtcNow())
        {
            logger.LogInformation(
                "Scheduled run of {Connector} skipped: backing off after {Failures} consecutive failures until {Until:u}",
                name, state.ConsecutiveFailures, DateTimeOffset.FromUnixTimeMilliseconds(until));
            return;
        }

        var trigger = context.Trigger.Key.Group == Group ? "schedule" : "startup";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var report = await runner.RunAsync(connector, new RunRequest(trigger), stop.Token);
        if (report.IsBusy)
        {
            logger.LogInformation("Scheduled run of {Connector} skipped: a run of it is in progress", name);
        }
    }
}
