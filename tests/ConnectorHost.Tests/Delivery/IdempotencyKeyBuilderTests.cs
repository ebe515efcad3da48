using ConnectorHost.Delivery;

namespace ConnectorHost.Tests.Delivery;

[Parallelizable(ParallelScope.All)]
public sealed class IdempotencyKeyBuilderTests
{
    private readonly IdempotencyKeyBuilder _keys = new();

    [Test]
    public void ForItem_SameInputs_GiveTheSameKeyEveryTime()
    {
        _keys.ForItem("wiki", "page-1", "7").Should().Be(_keys.ForItem("wiki", "page-1", "7"));
    }

    [Test]
    public void ForItem_ShortPrintableParts_AreReadable()
    {
        _keys.ForItem("wiki", "page-1", "7").Should().Be("ch1:wiki:page-1:7");
    }

    [TestCase("a:b", "c", "a", "b:c")]
    [TestCase("a%3Ab", "c", "a:b", "c")]
    [TestCase("x", "1", "x", "2")]
    [TestCase("x", "1", "y", "1")]
    public void ForItem_DifferentIdVersionPairs_NeverShareAKey(string id1, string v1, string id2, string v2)
    {
        _keys.ForItem("wiki", id1, v1).Should().NotBe(_keys.ForItem("wiki", id2, v2));
    }

    [Test]
    public void ForItem_SameItemInTwoConnectors_GivesTwoKeys()
    {
        _keys.ForItem("wiki", "1", "1").Should().NotBe(_keys.ForItem("tasks", "1", "1"));
    }

    [TestCase("a very long id " + "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789")]
    [TestCase("Seite über Öffnungszeiten")]
    [TestCase("line\nbreak")]
    public void ForItem_LongOrNonAsciiIds_AreDigestedIntoAShortPrintableKey(string nativeId)
    {
        var key = _keys.ForItem("wiki", nativeId, "2026-11-24T10:00:00Z");

        key.Should().StartWith("ch1:wiki:#");
        key.Length.Should().BeLessThanOrEqualTo(IdempotencyKeyBuilder.MaxLength);
        key.Should().MatchRegex("^[!-~]+$", "an HTTP header value carries printable ASCII");
        key.Should().NotBe(_keys.ForItem("wiki", nativeId, "2026-11-24T10:00:01Z"));
    }

    [Test]
    public void ForItem_ConnectorNameTooLong_IsDigestedToo()
    {
        var key = _keys.ForItem(new string('c', 100), "1", "1");

        key.Length.Should().BeLessThanOrEqualTo(IdempotencyKeyBuilder.MaxLength);
        key.Should().StartWith("ch1:#");
    }

    [Test]
    public void ForBatch_DependsOnEveryKeyAndTheirOrder()
    {
        var ab = _keys.ForBatch("wiki", ["a", "b"]);

        ab.Should().StartWith("ch1b:wiki:");
        ab.Should().Be(_keys.ForBatch("wiki", ["a", "b"]));
        ab.Should().NotBe(_keys.ForBatch("wiki", ["b", "a"]));
        ab.Should().NotBe(_keys.ForBatch("wiki", ["a", "b", "c"]));
        ab.Should().NotBe(_keys.ForBatch("wiki", ["ab"]), "keys are separated, so concatenations cannot collide");
    }

    [Test]
    public void ForItem_EmptyConnector_IsRefused()
    {
        var build = () => _keys.ForItem("", "1", "1");

        build.Should().Throw<ArgumentException>();
    }
}
