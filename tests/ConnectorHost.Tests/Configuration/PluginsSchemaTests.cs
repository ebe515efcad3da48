using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHost.Configuration;
using NJsonSchema;

namespace ConnectorHost.Tests.Configuration;

/// <summary>plugins.schema.json lets editors complete and check plugins.json: it must accept what the host accepts.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class PluginsSchemaTests
{
    private static readonly Lazy<Task<JsonSchema>> s_schema = new(() => JsonSchema.FromFileAsync(SamplePath("plugins.schema.json")));

    [Test]
    public async Task Schema_SamplePluginsJson_IsValid()
    {
        var errors = await ValidateAsync(SamplePath("plugins.json"));

        errors.Should().BeEmpty();
    }

    [Test]
    public void Load_SamplePluginsJson_IsAcceptedByTheHost()
    {
        using var folder = new ConfigFolder();
        File.Copy(SamplePath("plugins.json"), folder.ConfigPath);
        foreach (var variable in new[] { "MEMORYSYNC_API_KEY", "CONFLUENCE_TOKEN", "ASANA_PAT" })
        {
            // The sample's own variable names; set only when absent so that a developer's real values stay untouched.
            if (Environment.GetEnvironmentVariable(variable) is null)
            {
                Environment.SetEnvironmentVariable(variable, "sample-" + variable.ToLowerInvariant());
            }
        }

        var configuration = ConfigurationLoader.Load(folder.ConfigPath);

        configuration.Connectors.Select(connector => (connector.Name, connector.Plugin)).Should().Equal(
            ("handbook", "FileSystemCms"), ("eng-wiki", "Confluence"), ("roadmap", "Asana"));
        configuration.Warnings.Should().BeEmpty();
    }

    [TestCase("minimal.json")]
    [TestCase("full.json")]
    public async Task Schema_GoodCorpusFile_IsValid(string file)
    {
        var errors = await ValidateAsync(ConfigFolder.CorpusPath("Good", file));

        errors.Should().BeEmpty();
    }

    [TestCase("not-an-object.json")]
    [TestCase("wrong-type-bool.json")]
    [TestCase("wrong-type-number.json")]
    [TestCase("wrong-type-section.json")]
    [TestCase("wrong-type-connectors.json")]
    [TestCase("unknown-root-key.json")]
    [TestCase("unknown-host-key.json")]
    [TestCase("unknown-connector-key.json")]
    [TestCase("missing-name.json")]
    [TestCase("missing-plugin.json")]
    [TestCase("missing-end-user.json")]
    [TestCase("empty-end-user.json")]
    [TestCase("bad-name.json")]
    [TestCase("name-too-long.json")]
    [TestCase("bad-misfire-policy.json")]
    [TestCase("bad-duration.json")]
    [TestCase("zero-request-timeout.json")]
    [TestCase("negative-batch-size.json")]
    [TestCase("batch-size-too-large.json")]
    [TestCase("bad-max-delete-percent.json")]
    [TestCase("bad-tier.json")]
    [TestCase("bad-limits.json")]
    [TestCase("bad-base-url.json")]
    [TestCase("missing-memory-sync.json")]
    [TestCase("missing-api-key.json")]
    [TestCase("bad-sha256.json")]
    [TestCase("bad-plugin-policy-key.json")]
    [TestCase("several-errors.json")]
    public async Task Schema_BadCorpusFileTheSchemaCanJudge_IsInvalid(string file)
    {
        var errors = await ValidateAsync(ConfigFolder.CorpusPath("Bad", file));

        errors.Should().NotBeEmpty();
    }

    [Test]
    public async Task Schema_EveryObject_ListsExactlyTheKeysTheLoaderKnows()
    {
        var schema = JsonNode.Parse(await File.ReadAllTextAsync(SamplePath("plugins.schema.json")))!;
        var objects = new Dictionary<string, JsonNode?>
        {
            ["$"] = schema,
            ["$.host"] = schema["properties"]!["host"],
            ["$.memorySync"] = schema["properties"]!["memorySync"],
            ["$.memorySync.limits"] = schema["properties"]!["memorySync"]!["properties"]!["limits"],
            ["$.delivery"] = schema["properties"]!["delivery"],
            ["$.plugins.*"] = schema["properties"]!["plugins"]!["additionalProperties"],
            ["$.connectors[*]"] = schema["properties"]!["connectors"]!["items"],
        };

        objects.Keys.Should().BeEquivalentTo(ConfigurationFileReader.KnownKeys.Keys);
        foreach (var (path, node) in objects)
        {
            var keys = node!["properties"]!.AsObject().Select(property => property.Key);
            keys.Should().BeEquivalentTo(ConfigurationFileReader.KnownKeys[path], "the schema's {0} must match the loader", path);
            node["additionalProperties"]!.GetValue<bool>().Should().BeFalse("the schema must flag unknown keys in {0} as the loader does", path);
        }
    }

    private static string SamplePath(string file) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Configuration", "Sample", file);

    private static async Task<IReadOnlyList<string>> ValidateAsync(string file)
    {
        // The files are JSON with comments and trailing commas, as the host reads them; the validator wants plain JSON.
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(file), ConfigurationLoader.DocumentOptions);
        var schema = await s_schema.Value;
        return schema.Validate(document.RootElement.GetRawText()).Select(error => error.ToString()).ToList();
    }
}
