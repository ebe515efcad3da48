using System.ComponentModel.DataAnnotations;
using System.Reflection;
using ConnectorHost.Abstractions;

namespace ConnectorHost.Plugins.Asana.Tests;

[Parallelizable(ParallelScope.All)]
public sealed class AsanaPluginTests
{
    private static readonly string s_pluginFolder = Path.Combine(AppContext.BaseDirectory, "plugins", "Asana");

    [Test]
    public void PluginFolder_BuiltNextToTheTests_HoldsThePluginAndItsPrivateDependenciesOnly()
    {
        var files = Directory.GetFiles(s_pluginFolder).Select(Path.GetFileName).ToList();

        files.Should().Contain(
        [
            "ConnectorHost.Plugins.Asana.dll",
            "ConnectorHost.Plugins.Asana.deps.json",
            "AngleSharp.dll",
            "Polly.Core.dll",
            "System.Threading.RateLimiting.dll",
        ]);
        files.Should().NotContain(f => f!.StartsWith("ConnectorHost.Abstractions", StringComparison.Ordinal), "the contract is shared with the host");
        files.Should().NotContain(f => f!.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal), "the host shares those");
    }

    [Test]
    public void PluginAssembly_Metadata_NamesTheAsanaPluginAndItsRegistrar()
    {
        var attribute = typeof(AsanaPlugin).Assembly.GetCustomAttribute<ConnectorPluginAttribute>();

        attribute.Should().NotBeNull();
        attribute!.Id.Should().Be("Asana");
        attribute.Registrar.Should().Be<AsanaPlugin>();
        new AsanaPlugin().OptionsType.Should().Be<AsanaOptions>();
        typeof(AsanaOptions).GetProperty(nameof(AsanaOptions.AccessToken))!.GetCustomAttribute<SecretAttribute>().Should().NotBeNull();
    }

    [Test]
    public void Options_Defaults_MatchTheDocumentedValues()
    {
        var options = new AsanaOptions();

        options.BaseUrl.Should().Be(new Uri("https://app.asana.com/api/1.0"));
        options.IncludeCompleted.Should().BeTrue();
        options.IncludeComments.Should().BeTrue();
        options.RequestsPerMinute.Should().Be(1500);
        options.MaxConcurrentRequests.Should().Be(10);
        options.FullListingInterval.Should().Be(TimeSpan.FromDays(1));
        options.Projects.Should().BeEmpty();
    }

    [Test]
    public void Options_Valid_PassValidation()
    {
        var options = new AsanaOptions { AccessToken = "2/1/abc", Workspace = "1200000000000001" };
        options.Projects.Add("1200000000000002");

        Validate(options).Should().BeEmpty();
    }

    [TestCase("workspace")]
    [TestCase("accessToken")]
    [TestCase("projects")]
    [TestCase("maxConcurrentRequests")]
    [TestCase("fullListingInterval")]
    public void Options_Invalid_FailValidationNamingTheKey(string key)
    {
        var options = new AsanaOptions { AccessToken = "2/1/abc", Workspace = "1200000000000001" };
        switch (key)
        {
            case "workspace": options.Workspace = "acme"; break;
            case "accessToken": options.AccessToken = string.Empty; break;
            case "projects": options.Projects.Add("Roadmap"); break;
            case "maxConcurrentRequests": options.MaxConcurrentRequests = 51; break;
            case "fullListingInterval": options.FullListingInterval = TimeSpan.FromSeconds(5); break;
        }

        Validate(options).Should().ContainSingle()
            .Which.MemberNames.Should().ContainSingle(m => string.Equals(m, key, StringComparison.OrdinalIgnoreCase));
    }

    private static List<ValidationResult> Validate(AsanaOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
