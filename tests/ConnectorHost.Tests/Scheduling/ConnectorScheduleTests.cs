using ConnectorHost.Scheduling;

namespace ConnectorHost.Tests.Scheduling;

[Parallelizable(ParallelScope.All)]
public sealed class ConnectorScheduleTests
{
    private static readonly TimeZoneInfo s_berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Test]
    public void NextFireAfter_ReadsTheCronInItsTimeZone()
    {
        var schedule = new ConnectorSchedule("wiki", "0 0 3 * * ?", s_berlin, false, false);

        var next = schedule.NextFireAfter(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

        next.Should().Be(new DateTimeOffset(2026, 11, 25, 2, 0, 0, TimeSpan.Zero), "03:00 in Berlin in winter is 02:00 UTC");
    }

    [Test]
    public void MissedSince_AFiringFellBetweenTheLastRunAndNow_ReturnsIt()
    {
        var schedule = new ConnectorSchedule("wiki", "0 0 3 * * ?", TimeZoneInfo.Utc, true, false);

        var missed = schedule.MissedSince(
            new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

        missed.Should().Be(new DateTimeOffset(2026, 11, 23, 3, 0, 0, TimeSpan.Zero));
    }

    [Test]
    public void MissedSince_NextFiringStillAhead_ReturnsNull()
    {
        var schedule = new ConnectorSchedule("wiki", "0 0 3 * * ?", TimeZoneInfo.Utc, true, false);

        schedule.MissedSince(
                new DateTimeOffset(2026, 11, 24, 4, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero))
            .Should().BeNull();
    }

    [Test]
    public void MissedSince_NeverRan_ReturnsNull()
    {
        var schedule = new ConnectorSchedule("wiki", "0 0 3 * * ?", TimeZoneInfo.Utc, true, false);

        schedule.MissedSince(null, new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero)).Should().BeNull();
    }
}
