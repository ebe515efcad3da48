using System.Text;
using ConnectorHost.Abstractions.MemorySync;
using ConnectorHost.MemorySync;

namespace ConnectorHost.Tests.MemorySync;

[Parallelizable(ParallelScope.All)]
public sealed class MemorySyncWireTests
{
    [Test]
    public void SerializeBulkAdd_Items_WritesTheDocumentedShapeInAFixedOrder()
    {
        MemoryItem[] items =
        [
            new()
            {
                Text = "Release checklist: tag, build, publish.",
                Source = "confluence",
                EventType = "confluence_page",
                Tags = ["release", "ops"],
                Importance = 0.75,
                TtlMinutes = 60,
                Metadata = new Dictionary<string, object?>
                {
                    ["version"] = 7,
                    ["native_id"] = "12345",
                    ["modified"] = new DateTimeOffset(2026, 5, 5, 14, 22, 0, TimeSpan.FromHours(2)),
                    ["url"] = new Uri("https://wiki.example/pages/12345"),
                    ["labels"] = new[] { "a", "b" },
                    ["draft"] = false,
                    ["owner"] = null,
                },
            },
            new() { Text = "Ünïcödé text stays UTF-8 — 日本語." },
        ];

        var json = Encoding.UTF8.GetString(MemorySyncWire.SerializeBulkAdd(items, deduplicate: true));

        json.Should().Be(
            """{"items":[{"text":"Release checklist: tag, build, publish.","source":"confluence","event_type":"confluence_page","tags":["release","ops"],"importance":0.75,"metadata":{"draft":false,"labels":["a","b"],"modified":"2026-05-05T14:22:00.0000000+02:00","native_id":"12345","owner":null,"url":"https://wiki.example/pages/12345","version":7},"ttl_minutes":60},{"text":"Ünïcödé text stays UTF-8 — 日本語."}],"deduplicate":true}""");
    }

    [Test]
    public void SerializeBulkAdd_SameItemsWithMetadataBuiltInAnotherOrder_GivesIdenticalBytes()
    {
        var first = new MemoryItem
        {
            Text = "Quarterly planning notes for the team.",
            Metadata = new Dictionary<string, object?>
            {
                ["b"] = 2, ["a"] = new Dictionary<string, object?> { ["y"] = 1.5, ["x"] = "x" }, ["c"] = true,
            },
        };
        var second = first with
        {
            Metadata = new Dictionary<string, object?>
            {
                ["c"] = true, ["a"] = new Dictionary<string, object?> { ["x"] = "x", ["y"] = 1.5 }, ["b"] = 2,
            },
        };

        var once = MemorySyncWire.SerializeBulkAdd([first], deduplicate: false);
        var again = MemorySyncWire.SerializeBulkAdd([first], deduplicate: false);
        var rebuilt = MemorySyncWire.SerializeBulkAdd([second], deduplicate: false);

        again.Should().Equal(once);
        rebuilt.Should().Equal(once);
        Encoding.UTF8.GetString(once).Should().Contain("""
            "metadata":{"a":{"x":"x","y":1.5},"b":2,"c":true}
            """);
    }

    [Test]
    public void SerializeBulkAdd_DeduplicateNotGiven_LeavesItOut()
    {
        var json = Encoding.UTF8.GetString(MemorySyncWire.SerializeBulkAdd([new MemoryItem { Text = "Plain memory text here." }], null));

        json.Should().Be("""{"items":[{"text":"Plain memory text here."}]}""");
    }

    [TestCase(0)]
    [TestCase(51)]
    public void SerializeBulkAdd_OutsideOneToFifty_Throws(int count)
    {
        var items = Enumerable.Repeat(new MemoryItem { Text = "Plain memory text here." }, count).ToArray();

        var serialize = () => MemorySyncWire.SerializeBulkAdd(items, null);

        serialize.Should().Throw<ArgumentException>().WithMessage($"*1 to 50 items; {count} were given*");
    }

    [Test]
    public void SerializeBulkAdd_MetadataOfAnUnsupportedType_ThrowsNamingThePath()
    {
        var item = new MemoryItem
        {
            Text = "Plain memory text here.",
            Metadata = new Dictionary<string, object?> { ["nested"] = new Dictionary<string, object?> { ["bad"] = new object() } },
        };

        var serialize = () => MemorySyncWire.SerializeBulkAdd([item], null);

        serialize.Should().Throw<ArgumentException>().WithMessage("metadata.nested.bad is a Object*");
    }

    [Test]
    public void SerializeBulkAdd_NonFiniteNumber_Throws()
    {
        var item = new MemoryItem { Text = "Plain memory text here.", Metadata = new Dictionary<string, object?> { ["score"] = double.NaN } };

        var serialize = () => MemorySyncWire.SerializeBulkAdd([item], null);

        serialize.Should().Throw<ArgumentException>().WithMessage("metadata.score is NaN*");
    }

    [Test]
    public void CountBulkItems_SerializedBody_CountsItsItems()
    {
        var body = MemorySyncWire.SerializeBulkAdd(Enumerable.Repeat(new MemoryItem { Text = "Plain memory text here." }, 7).ToArray(), null);

        MemorySyncWire.CountBulkItems(body).Should().Be(7);
    }

    [Test]
    public void SerializeAdd_Item_CarriesTheEndUserAsUserId()
    {
        var json = Encoding.UTF8.GetString(MemorySyncWire.SerializeAdd("ops-team", new MemoryItem { Text = "Plain memory text here." }, false));

        json.Should().Be("""{"text":"Plain memory text here.","user_id":"ops-team","deduplicate":false}""");
    }

    [Test]
    public void SerializeBulkAdd_TextWithALoneSurrogate_IsWrittenWithAReplacementCharacter()
    {
        var item = new MemoryItem { Text = "Broken \ud800 surrogate in a page." };

        var json = Encoding.UTF8.GetString(MemorySyncWire.SerializeBulkAdd([item], null));

        json.Should().Be("""{"items":[{"text":"Broken \uFFFD surrogate in a page."}]}""");
    }
}
