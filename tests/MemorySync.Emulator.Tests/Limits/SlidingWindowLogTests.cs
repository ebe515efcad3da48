using MemorySync.Emulator.Hosting;
using MemorySync.Emulator.Limits;

namespace MemorySync.Emulator.Tests.Limits;

public sealed class SlidingWindowLogTests
{
    [Test]
    public void HasRoom_SlidesExactlyWithTheWindow()
    {
        var log = new SlidingWindowLog(TimeSpan.FromSeconds(1));
        var start = TimeSpan.FromHours(1).Ticks;
        log.Record(start);
        log.Record(start + TimeSpan.FromMilliseconds(500).Ticks);

        log.HasRoom(start + TimeSpan.FromMilliseconds(900).Ticks, 2, out var wait).Should().BeFalse();
        wait.Should().Be(TimeSpan.FromMilliseconds(100));
        log.HasRoom(start + TimeSpan.FromMilliseconds(1000).Ticks, 2, out _).Should().BeTrue();
    }

    [Test]
    public void Record_BeyondTheInitialCapacity_KeepsEveryTimestamp()
    {
        var log = new SlidingWindowLog(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 1000; i++)
        {
            log.Record(i);
        }

        log.HasRoom(1000, 1000, out _).Should().BeFalse();
        log.HasRoom(1000, 1001, out _).Should().BeTrue();
    }

    [TestCase(EmulatorTier.Free, 2, 30, 100)]
    [TestCase(EmulatorTier.Pro, 10, 200, 5_000)]
    [TestCase(EmulatorTier.Enterprise, 50, 1_000, 50_000)]
    [TestCase(EmulatorTier.Unlimited, 1_000, 60_000, 3_600_000)]
    public void ForTier_GivesThePublishedLimits(EmulatorTier tier, int second, int minute, int hour) =>
        RateLimits.ForTier(tier).Should().Be(new RateLimits(second, minute, hour));

    [TestCase("10,200,5000", true)]
    [TestCase("10,200", false)]
    [TestCase("0,200,5000", false)]
    [TestCase("a,b,c", false)]
    public void Parse_AcceptsThreePositiveIntegersOnly(string text, bool valid)
    {
        var parse = () => RateLimits.Parse(text);

        if (valid)
        {
            parse().Should().Be(new RateLimits(10, 200, 5000));
        }
        else
        {
            parse.Should().Throw<FormatException>();
        }
    }
}
