using ConnectorHost.Configuration;

namespace ConnectorHost.Tests.Configuration;

[Parallelizable(ParallelScope.All)]
public sealed class DurationsTests
{
    [TestCase("00:00:30", 0, 0, 0, 30)]
    [TestCase("01:02:03", 0, 1, 2, 3)]
    [TestCase("2.00:00:00", 2, 0, 0, 0)]
    [TestCase("00:00:00.5", 0, 0, 0, 0.5)]
    [TestCase("45s", 0, 0, 0, 45)]
    [TestCase("90m", 0, 1, 30, 0)]
    [TestCase("36h", 1, 12, 0, 0)]
    [TestCase("7d", 7, 0, 0, 0)]
    [TestCase("0s", 0, 0, 0, 0)]
    public void TryParse_BothForms_Read(string text, int days, int hours, int minutes, double seconds)
    {
        Durations.TryParse(text, out var duration).Should().BeTrue();
        duration.Should().Be(new TimeSpan(days, hours, minutes, 0) + TimeSpan.FromSeconds(seconds));
    }

    [TestCase("")]
    [TestCase("30")]
    [TestCase("5 m")]
    [TestCase("5M")]
    [TestCase("1w")]
    [TestCase("-5m")]
    [TestCase("00:60:00")]
    [TestCase("24:00:00")]
    [TestCase("1:2:3")]
    [TestCase("PT5M")]
    [TestCase("99999999999999999999d")]
    [TestCase("9999999999d")]
    public void TryParse_OtherText_IsRefused(string text)
    {
        Durations.TryParse(text, out _).Should().BeFalse();
    }
}
