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
    string Connector, string Cron, TimeZoneInfo TimeZone, bool FireNowOnMisfire, bool RunOnStartup);
