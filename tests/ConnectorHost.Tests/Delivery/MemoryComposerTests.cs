using System.Text;
using System.Text.Json;
using ConnectorHost.Abstractions;
using ConnectorHost.Delivery;
using ConnectorHost.Tests.Support;

namespace ConnectorHost.Tests.Delivery;

[Parallelizable(ParallelScope.All)]
public sealed class MemoryComposerTests
{
    private static readonly ConnectorInstance s_instance = new("wiki", "Confluence", "user-1");

    private readonly MemoryComposer _composer = new(new FakeMemorySync(), new DeliveryOptions { MaxTextLength = 1_000 });

    [Test]
    public void Compose_TitleAndBody_JoinsThemAndSetsTheHostMetadata()
    {
        var item = Item("p1", "Holiday rules", "Everyone gets twenty-five days.") with
        {
            Url = new Uri("https://wiki.example.com/p1"),
            LastModified = new DateTimeOffset(2026, 11, 24, 11, 0, 0, TimeSpan.FromHours(1)),
        };

        var composed = _composer.Compose(s_instance, item).Item!;

        composed.Memory.Text.Should().Be("Holiday rules\n\nEveryone gets twenty-five days.");
        composed.Memory.Source.Should().Be("confluence", "without a source of its own, the plugin id names it");
        composed.Memory.Metadata.Should().Contain("native_id", "p1").And.Contain("version", "3").And.Contain("connector", "wiki")
            .And.Contain("title", "Holiday rules").And.Contain("url", "https://wiki.example.com/p1")
            .And.Contain("last_modified", "2026-11-24T10:00:00.0000000+00:00");
    }

    [Test]
    public void Compose_ConnectorMetadataNamedLikeAHostKey_IsReplacedByTheHostValue()
    {
        var item = Item("p1") with
        {
            Metadata = new Dictionary<string, object?> { ["native_id"] = "forged", ["space"] = "HR" },
        };

        var metadata = _composer.Compose(s_instance, item).Item!.Memory.Metadata!;

        metadata["native_id"].Should().Be("p1", "the ledger and the pruner find memories by it");
        metadata["space"].Should().Be("HR");
    }

    [Test]
    public void Compose_Tags_AreTrimmedLowerCasedAndDistinct()
    {
        var item = Item("p1") with { Tags = [" HR ", "hr", "", "Policy"] };

        _composer.Compose(s_instance, item).Item!.Memory.Tags.Should().Equal("hr", "policy");
    }

    [TestCase("", "", "no text")]
    [TestCase("Hi", "", "shorter than 10")]
    [TestCase("", "  short  ", "shorter than 10")]
    public void Compose_TooLittleText_IsSkippedWithTheReason(string title, string text, string reason)
    {
        var composition = _composer.Compose(s_instance, Item("p1", title, text));

        composition.Item.Should().BeNull();
        composition.SkipReason.Should().Contain(reason);
    }

    [Test]
    public void Compose_TextOverTheLimit_IsInvalidNamingTheSetting()
    {
        var composition = _composer.Compose(s_instance, Item("p1", "", new string('x', 1_001)));

        composition.InvalidReason.Should().Contain("delivery.maxTextLength").And.Contain("1,001");
    }

    [Test]
    public void Compose_SourceLongerThanMemorySyncAllows_IsInvalid()
    {
        var composition = _composer.Compose(s_instance, Item("p1") with { Source = new string('s', 65) });

        composition.InvalidReason.Should().Contain("longer than 64");
    }

    [Test]
    public void Compose_MetadataJsonCannotCarry_IsInvalidInsteadOfThrowing()
    {
        var item = Item("p1") with { Metadata = new Dictionary<string, object?> { ["weird"] = new Version(1, 2) } };

        var composition = _composer.Compose(s_instance, item);

        composition.Item.Should().BeNull();
        composition.InvalidReason.Should().Contain("metadata").And.Contain("weird");
    }

    [Test]
    public void Compose_SameItemTwice_GivesTheSameBytesAndHashes()
    {
        var item = Item("p1") with { Metadata = new Dictionary<string, object?> { ["b"] = 2, ["a"] = "x" } };
        var reordered = item with { Metadata = new Dictionary<string, object?> { ["a"] = "x", ["b"] = 2 } };

        var first = _composer.Compose(s_instance, item).Item!;
        var second = _composer.Compose(s_instance, reordered).Item!;

        second.ItemJson.Should().Equal(first.ItemJson, "metadata order must not make an unchanged item look changed");
        second.ContentHash.Should().Be(first.ContentHash);
        second.LabelsHash.Should().Be(first.LabelsHash);
    }

    [Test]
    public void Compose_OnlyALabelChanges_KeepsTheContentHashAndChangesTheLabelsHash()
    {
        var first = _composer.Compose(s_instance, Item("p1") with { Tags = ["a"] }).Item!;
        var second = _composer.Compose(s_instance, Item("p1") with { Tags = ["b"] }).Item!;

        second.ContentHash.Should().Be(first.ContentHash);
        second.LabelsHash.Should().NotBe(first.LabelsHash);
    }

    [Test]
    public void Compose_ItemJson_IsTheBulkAddItemMemorySyncReads()
    {
        var composed = _composer.Compose(s_instance, Item("p1", "Title here", "Body text that is long enough.")).Item!;

        using var json = JsonDocument.Parse(composed.ItemJson);
        json.RootElement.GetProperty("text").GetString().Should().Be("Title here\n\nBody text that is long enough.");
        json.RootElement.GetProperty("source").GetString().Should().Be("confluence");
        json.RootElement.GetProperty("metadata").GetProperty("native_id").GetString().Should().Be("p1");
        Encoding.UTF8.GetString(composed.ItemJson).Should().NotContain("\r");
    }

    [TestCase("Title", "line one\r\nline two", "Title\n\nline one\nline two")]
    [TestCase("  Title  ", "", "Title")]
    [TestCase("", "  body only  ", "body only")]
    public void BuildText_JoinsTrimsAndNormalisesLineEndings(string title, string text, string expected)
    {
        MemoryComposer.BuildText(title, text).Should().Be(expected);
    }

    private static SourceItem Item(string id, string title = "A page title", string text = "Some body text of the page.") =>
        new()
        {
            NativeId = id,
            Version = "3",
            Title = title,
            Text = text,
        };
}
