using System.Globalization;
using System.Text.Json;
using ConnectorHost.Hosting;
using ConnectorHost.Status;

namespace ConnectorHost.Cli;

/// <summary>How verbs answer: short human text, or JSON with --json.</summary>
internal sealed class Printer(TextWriter output, Func<string, string> redact)
{
    private static readonly CultureInfo s_culture = CultureInfo.InvariantCulture;

    public void Json<T>(T value) => output.WriteLine(redact(JsonSerializer.Serialize(value, ControlJson.Options)));

    public void Line(string text = "") => output.WriteLine(redact(text));

    public void Run(RunView run)
    {
        var elapsed = run.EndedAt is { } end ? Duration(end - run.StartedAt) : "?";
        Line($"Run {run.RunId} of {run.Connector}{(run.DryRun ? " (dry run)" : "")}{(run.FullSync ? " (full)" : "")}: {run.Outcome} in {elapsed}");
        Line($"  read {run.Read} · added {run.Added} · updated {run.Updated} · relabeled {run.Relabeled} · deleted {run.Deleted} · " +
             $"unchanged {run.Unchanged} · skipped {run.Skipped} · dead-lettered {run.DeadLettered} · pruned {run.Pruned}");
        Line(run.DryRun
            ? $"  cursor not moved (dry run; the connector reached {run.DryRunCursor ?? "no checkpoint"})"
            : $"  cursor revision {Revision(run.CursorRevisionBefore)} -> {Revision(run.CursorRevisionAfter)}");
        if (run.PruneNote is { } note)
        {
            Line($"  {note}");
        }

        foreach (var reason in run.SkipReasons.Take(20))
        {
            Line($"  skipped {reason}");
        }

        if (run.SkipReasons.Count > 20)
        {
            Line($"  ... and {run.SkipReasons.Count - 20} more skipped");
        }

        if (run.Error is { } error)
        {
            Line($"  error: {error}");
        }
    }

    public void Status(StatusReport status)
    {
        Line($"connector-host {status.HostVersion} (contract {status.ContractVersion}) · " +
             (status.Source == "service"
                 ? $"service running since {Time(status.ServiceStartedAt)}"
                 : "no service running (read from the data folder)"));
        Line();
        Line("Plugins");
        foreach (var plugin in status.Plugins)
        {
            Line($"  {plugin.Folder,-22} {plugin.Id ?? "-",-16} {plugin.Version ?? "-",-10} {plugin.Status}{(plugin.Reason is null ? "" : ": " + plugin.Reason)}");
        }

        Line();
        Line("Connectors");
        foreach (var c in status.Connectors)
        {
            Line($"  {c.Name} ({c.Plugin}): {c.State}{(c.Running ? ", running now" : "")}{(c.StateReason is null ? "" : " - " + c.StateReason)}");
            Line($"    schedule {c.Schedule ?? "manual"}{(c.NextFireTime is { } next ? $", next {Time(next)}" : "")}" +
                 (c.BackoffUntil is { } backoff ? $", backing off until {Time(backoff)}" : ""));
            if (c.LastRun is { } run)
            {
                Line($"    last run {Time(run.StartedAt)} ({run.Trigger}): {run.Outcome}; read {run.Read}, added {run.Added}, updated {run.Updated}, " +
                     $"deleted {run.Deleted}, unchanged {run.Unchanged}, skipped {run.Skipped}, dead-lettered {run.DeadLettered}" +
                     (run.Error is null ? "" : $"; error: {run.Error}"));
            }
            else
            {
                Line("    never run");
            }

            Line($"    error rate {c.ErrorRate.ToString("P0", s_culture)} of {c.RecentRuns} recent runs · dead letters {c.DeadLetters} · " +
                 $"pending requests {c.PendingRequests} · delivered items {c.DeliveredItems}");
            Line($"    cursor {(c.CursorRevision is { } r ? "revision " + r.ToString(s_culture) : "none")}" +
                 (c.CursorCommittedAt is { } at ? $" committed {Time(at)}" : "") +
                 (c.CursorLag is { } lag ? $", lag {Duration(lag)}" : ""));
        }
    }

    public void Plugins(IReadOnlyList<PluginStatusEntry> plugins)
    {
        if (plugins.Count == 0)
        {
            Line("No plugins found.");
            return;
        }

        foreach (var plugin in plugins)
        {
            Line($"{plugin.Folder}: {plugin.Status}");
            Line($"  id {plugin.Id ?? "-"} · version {plugin.Version ?? "-"} · built against contract {plugin.ContractVersion ?? "-"}");
            if (plugin.Reason is { } reason)
            {
                Line($"  reason: {reason}");
            }
        }
    }

    public void Cursor(CursorView cursor)
    {
        Line(cursor.Current is { } current
            ? $"{cursor.Connector}: revision {current.Revision}, committed {Time(current.CommittedAt)}" +
              (current.Position is { } p ? $", source position {Time(p)}" : "")
            : $"{cursor.Connector}: no cursor (the next run reads the source from the beginning)");
        if (cursor.Current is { } value)
        {
            Line($"  {value.Value}");
        }

        if (cursor.History.Count > 0)
        {
            Line("Earlier revisions (connector-host cursor set <name> --revision N):");
            foreach (var earlier in cursor.History)
            {
                Line($"  {earlier.Revision,5}  {Time(earlier.CommittedAt)}  {earlier.Value}");
            }
        }
    }

    public void DeadLetters(string connector, IReadOnlyList<DeadLetterView> deadLetters)
    {
        if (deadLetters.Count == 0)
        {
            Line($"{connector}: no dead letters.");
            return;
        }

        Line($"{connector}: {deadLetters.Count} dead letter(s)");
        foreach (var d in deadLetters)
        {
            Line($"  {d.NativeId} (version {d.Version}), {d.Attempts} attempt(s), last {Time(d.LastFailedAt)}{(d.Retryable ? "" : ", not retryable")}");
            Line($"    {d.Reason}");
        }
    }

    private static string Revision(long? revision) => revision?.ToString(s_culture) ?? "none";

    private static string Time(DateTimeOffset? time) =>
        time?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", s_culture) ?? "-";

    private static string Duration(TimeSpan span) =>
        span.TotalSeconds < 60 ? span.TotalSeconds.ToString("0.0", s_culture) + " s"
        : span.TotalHours < 1 ? $"{(int)span.TotalMinutes} min {span.Seconds} s"
        : span.TotalDays < 1 ? $"{(int)span.TotalHours} h {span.Minutes} min"
        : $"{(int)span.TotalDays} d {span.Hours} h";
}
