using ConnectorHost.Abstractions;
using ConnectorHost.Plugins.Asana.Sync;

namespace ConnectorHost.Plugins.Asana.Tests.Sync;

[Parallelizable(ParallelScope.All)]
public sealed class AsanaCursorTests
{
    [Test]
    public void ToCheckpoint_SeveralProjects_PositionIsTheOldestHighWaterMarkAndTheCursorRoundTrips()
    {
        var cursor = new AsanaCursor { Settings = "abc" };
        cursor.For("1").HighWater = new DateTimeOffset(2025, 3, 3, 10, 0, 0, TimeSpan.Zero);
        cursor.For("2").HighWater = new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero);
        cursor.For("2").Sync = "token:0";
        cursor.For("3").Pass = new ListingPass { Full = true, Offset = "eyJ0" };

        var checkpoint = cursor.ToCheckpoint();
        var parsed = AsanaCursor.Parse(checkpoint.Cursor);

        checkpoint.Position.Should().Be(new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero));
        parsed.Should().BeEquivalentTo(cursor);
    }

    [TestCase("not json")]
    [TestCase("{\"version\":99}")]
    public void Parse_UnreadableCursor_ThrowsInvalidDataSayingHowToReset(string value)
    {
        var act = () => AsanaCursor.Parse(value);

        act.Should().Throw<ConnectorException>()
            .Where(e => e.Kind == ConnectorErrorKind.InvalidData && e.Message.Contains("cursor reset"));
    }
}
