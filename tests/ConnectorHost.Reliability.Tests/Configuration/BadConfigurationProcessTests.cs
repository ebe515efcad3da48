using ConnectorHost.Reliability.Tests.Support;
using ConnectorHost.Testing;

namespace ConnectorHost.Reliability.Tests.Configuration;

/// <summary>
/// The loader's corpus of wrong plugins.json files (tests/ConnectorHost.Tests/Configuration/Corpus/Bad), run through the
/// published host: <c>validate</c> and <c>run</c> exit 2, name the file and the JSON path, and create no data folder.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class BadConfigurationProcessTests
{
    private const string ApiKeyVariable = "CONNECTORHOST_TEST_API_KEY";
    private static readonly string s_canary = "ms_canary_cfg_" + Guid.NewGuid().ToString("N");

    /// <summary>A corpus file and a fragment its message must hold (its JSON path, or the position of a syntax error).</summary>
    private static readonly (string File, string Where)[] s_corpus =
    [
        ("empty.json", "$: the file is empty"),
        ("comments-only.json", "$: the file is empty"),
        ("malformed.json", "line 4, column 14: not valid JSON"),
        ("not-an-object.json", "$: "),
        ("duplicate-key.json", "$.delivery.batchSize: "),
        ("wrong-type-bool.json", "$.host.allowRemoteControl: "),
        ("wrong-type-number.json", "$.delivery.batchSize: "),
        ("wrong-type-section.json", "$.host: "),
        ("unknown-root-key.json", "$.conectors: "),
        ("unknown-connector-key.json", "$.connectors[0].endUser: "),
        ("missing-name.json", "$.connectors[0]: "),
        ("missing-end-user.json", "$.connectors[0]: "),
        ("bad-name.json", "$.connectors[0].name: "),
        ("duplicate-names.json", "$.connectors[2].name: "),
        ("bad-cron-five-fields.json", "$.connectors[0].schedule: "),
        ("bad-cron-value.json", "$.connectors[0].schedule: "),
        ("bad-time-zone.json", "$.connectors[0].timeZone: "),
        ("bad-duration.json", "$.connectors[0].runTimeout: "),
        ("batch-size-too-large.json", "$.delivery.batchSize: "),
        ("bad-tier.json", "$.memorySync.tier: "),
        ("bad-base-url.json", "$.memorySync.baseUrl: "),
        ("remote-control-url.json", "$.host.controlUrl: "),
        ("missing-api-key.json", "$.memorySync: "),
        ("missing-env-secret.json", "$.memorySync.apiKey: "),
        ("missing-secret-file.json", "$.connectors[0].settings.token: "),
        ("unknown-secret-scheme.json", "$.memorySync.apiKey: "),
        ("missing-plugins-directory.json", "$.host.pluginsDirectory: "),
        ("data-directory-is-a-file.json", "$.host.dataDirectory: "),
        ("bad-sha256.json", "$.plugins.FakeCms.sha256: "),
        ("unknown-plugin.json", "$.connectors[0].plugin: "),
    ];

    public static IEnumerable<TestCaseData> Corpus() =>
        from entry in s_corpus
        from verb in new[] { "validate", "run" }
        select new TestCaseData(entry.File, entry.Where, verb).SetArgDisplayNames(entry.File, verb);

    [TestCaseSource(nameof(Corpus))]
    public async Task Start_BadConfigurationFile_ExitsTwoNamingFileAndPathAndCreatesNothing(string file, string where, string verb)
    {
        using var root = new TempDirectory("bad-config");
        Directory.CreateDirectory(root.Combine("plugins"));
        var config = root.Combine("plugins.json");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Corpus", "Bad", file), config);
        var before = Snapshot(root.Path);

        var result = await HostProcess.RunAsync(root.Path, [verb, "--config", config], new Dictionary<string, string?> { [ApiKeyVariable] = s_canary });

        TestContext.Out.WriteLine(result.ToString());
        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain($"{config}: ").And.Contain(where);
        AssertUntouched(root.Path, before, result);
    }

    [TestCase("validate")]
    [TestCase("run")]
    public async Task Start_PluginSettingsFailingValidation_ExitsTwoNamingTheSetting(string verb)
    {
        using var root = new TempDirectory("bad-config");
        using (var plugins = PluginFolders.Create(FixturePlugins.Scripted))
        {
            CopyDirectory(Path.Combine(plugins.Directory, FixturePlugins.Scripted), root.Combine("plugins", FixturePlugins.Scripted));
        }

        var config = root.Combine("plugins.json");
        File.WriteAllText(config, $$"""
            {
              "memorySync": { "baseUrl": "http://127.0.0.1:9/", "apiKey": "${env:{{ApiKeyVariable}}}" },
              "connectors": [
                { "name": "scripted", "plugin": "Scripted", "endUserId": "ops", "settings": { "pruneInterval": "soon" } }
              ]
            }
            """);
        var before = Snapshot(root.Path);

        var result = await HostProcess.RunAsync(root.Path, [verb, "--config", config], new Dictionary<string, string?> { [ApiKeyVariable] = s_canary });

        TestContext.Out.WriteLine(result.ToString());
        result.ExitCode.Should().Be(2);
        result.Error.Should().Contain($"{config}: $.connectors[0].settings.");
        AssertUntouched(root.Path, before, result);
    }

    [Test]
    public void Corpus_HasAtLeastTwentyKinds() => s_corpus.Length.Should().BeGreaterThanOrEqualTo(20);

    /// <summary>Nothing but the log folder may appear (<c>run</c> logs its refusal when it comes after the plugins are read).</summary>
    private static void AssertUntouched(string root, List<string> before, ProcessResult result)
    {
        var logs = Path.Combine(root, "logs");
        var logTexts = Directory.Exists(logs) ? Directory.EnumerateFiles(logs).Select(File.ReadAllText).ToList() : [];
        (result.Output + result.Error + string.Concat(logTexts)).Should().NotContain(s_canary);
        Snapshot(root).Where(p => !p.StartsWith(logs, StringComparison.Ordinal)).Should().Equal(before, "a refused configuration creates no data folder");
        Directory.Exists(Path.Combine(root, "data")).Should().BeFalse();
    }

    private static List<string> Snapshot(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var path in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, path));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(path, destination);
        }
    }
}
