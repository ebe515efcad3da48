using ConnectorHost.Configuration;

namespace ConnectorHost.Tests.Configuration;

[Parallelizable(ParallelScope.All)]
public sealed class SecretRegistryTests
{
    [Test]
    public void Redact_TextWithSecrets_MasksEveryOccurrence()
    {
        var registry = new SecretRegistry();
        registry.Add("tok-1234");
        registry.Add("pass-9876");

        registry.Redact("a tok-1234 b pass-9876 c tok-1234").Should().Be("a *** b *** c ***");
    }

    [Test]
    public void Redact_TextWithoutSecrets_ReturnsTheSameInstance()
    {
        var registry = new SecretRegistry();
        registry.Add("tok-1234");
        var text = "nothing to hide here";

        registry.Redact(text).Should().BeSameAs(text);
    }

    [Test]
    public void Add_ShortValue_IsIgnored()
    {
        var registry = new SecretRegistry();
        registry.Add("abc");
        registry.Add(null);
        registry.Add("");

        registry.Count.Should().Be(0);
        registry.Redact("abc abc").Should().Be("abc abc");
    }

    [Test]
    public void Redact_SecretContainingAnother_MasksTheLongerWhole()
    {
        var registry = new SecretRegistry();
        registry.Add("secret");
        registry.Add("secret-and-more");

        registry.Redact("x secret-and-more y secret").Should().Be("x *** y ***");
    }

    [Test]
    public void Redact_JsonAndUrlEscapedForms_AreMaskedToo()
    {
        var registry = new SecretRegistry();
        registry.Add("p\"a/ss w+rd");

        registry.Redact("""{"password":"p\"a/ss w+rd"}""").Should().Be("""{"password":"***"}""");
        registry.Redact(System.Text.Json.JsonSerializer.Serialize(new { password = "p\"a/ss w+rd" })).Should().Be("""{"password":"***"}""");
        registry.Redact("?password=p%22a%2Fss%20w%2Brd&x=1").Should().Be("?password=***&x=1");
    }

    [Test]
    public void Add_ConcurrentWithRedact_LosesNoSecret()
    {
        var registry = new SecretRegistry();
        var secrets = Enumerable.Range(0, 200).Select(i => $"concurrent-secret-{i:D3}").ToList();

        Parallel.ForEach(secrets, secret =>
        {
            registry.Add(secret);
            _ = registry.Redact("line " + secret);
        });

        secrets.Should().OnlyContain(secret => registry.Redact("[" + secret + "]") == "[***]");
    }
}
