using Quartz;

namespace ConnectorHost.Scheduling;

/// <summary>When a connector runs on its own.</summary>
/// <param name="Connector">The connector instance name.</param>
/// <param name="Cron">A Quartz cron expression (seconds first).</param>
/// <param name="TimeZone">The zone the expression is read in.</param>
/// <param name="FireNowOnMisfire">
/// On a missed firing (the host was down or busy), run once at once; otherwise wait for the next scheduled time.
/// </param>
/// <param name="RunOnStartup">Also run once each time the service starts.</param>
internal sealed record ConnectorSchedule(
    string Connector, string Cron, TimeZoneInfo TimeZone, bool FireNowOnMisfire, bool RunOnStartup)
{
    /// <summary>The first time the schedule fires after <paramref name="instant"/>, or null if it never does.</summary>
    public DateTimeOffset? NextFireAfter(DateTimeOffset instant) =>
        CronExpression.TryParse(Cron, out var cron) && cron is not null
            ? cron.WithTimeZone(TimeZone).GetNextValidTimeAfter(instant)
            : null;

    /// <summary>
    /// The firing missed between the connector's last run and <paramref name="now"/> (the host was down then), or
    /// null when none was missed or the connector never ran.
    /// </summary>
    /// <remarks>
    /// Quartz keeps its triggers in memory and so never sees a firing that fell into downtime; the run history does.
    /// </remarks>
    public DateTimeOffset? MissedSince(DateTimeOffset? lastRunStartedAt, DateTimeOffset now) =>
        lastRunStartedAt is { } last && NextFireAfter(last) is { } due && due < now ? due : null;
}
