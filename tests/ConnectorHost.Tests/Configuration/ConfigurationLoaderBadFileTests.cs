using ConnectorHost.Configuration;

namespace ConnectorHost.Tests.Configuration;

/// <summary>
/// The corpus of wrong files in Corpus/Bad: each must be refused with the file, the JSON path and a message that
/// says what is wrong, every error at once, and nothing written anywhere.
/// </summary>
[Parallelizable(ParallelScope.All)]
public sealed class ConfigurationLoaderBadFileTests
{
    /// <summary>Which stage refuses the file: <see cref="ConfigurationLoader.Load"/> or the settings binding after it.</summary>
    public enum Stage
    {
        Load,
        Bind,
    }

    public sealed record Expectation(string Path, string Fragment);

    private static readonly (string File, Stage Stage, Expectation[] Errors)[] s_corpus =
    [
        ("empty.json", Stage.Load, [new("$", "the file is empty")]),
        ("comments-only.json", Stage.Load, [new("$", "the file is empty")]),
        ("malformed.json", Stage.Load, [new("$", "not valid JSON: ")]),
        ("not-an-object.json", Stage.Load, [new("$", "must hold one JSON object ({ ... }), found an array")]),
        ("duplicate-key.json", Stage.Load, [new("$.delivery.batchSize", "\"batchSize\" is written twice")]),
        ("wrong-type-bool.json", Stage.Load, [new("$.host.allowRemoteControl", "must be true or false (without quotes), found a string")]),
        ("wrong-type-number.json", Stage.Load, [new("$.delivery.batchSize", "must be a whole number from 1 to 50 (MemorySync takes at most 50 items per bulk request), found a string")]),
        ("wrong-type-section.json", Stage.Load, [new("$.host", "must be an object ({ ... }), found an array")]),
        ("wrong-type-connectors.json", Stage.Load, [new("$.connectors", "must be an array of connector entries")]),
        ("unknown-root-key.json", Stage.Load, [new("$.conectors", "unknown key \"conectors\" in the file; did you mean \"connectors\"?")]),
        ("unknown-host-key.json", Stage.Load, [new("$.host.pluginDirectory", "unknown key \"pluginDirectory\" in \"host\"; did you mean \"pluginsDirectory\"?")]),
        ("unknown-connector-key.json", Stage.Load, [new("$.connectors[0].endUser", "unknown key \"endUser\" in a connector; did you mean \"endUserId\"?")]),
        ("missing-name.json", Stage.Load, [new("$.connectors[0]", "\"name\" is required")]),
        ("missing-plugin.json", Stage.Load, [new("$.connectors[0]", "\"plugin\" is required")]),
        ("missing-end-user.json", Stage.Load, [new("$.connectors[0]", "\"endUserId\" is required")]),
        ("empty-end-user.json", Stage.Load, [new("$.connectors[0].endUserId", "must not be empty")]),
        ("bad-name.json", Stage.Load, [new("$.connectors[0].name", "\"Eng Wiki\" is not a valid connector name: use lower-case letters")]),
        ("name-too-long.json", Stage.Load, [new("$.connectors[0].name", "at most 64 characters")]),
        ("duplicate-names.json", Stage.Load, [new("$.connectors[2].name", "\"handbook\" is already the name of $.connectors[0]; connector names must be unique")]),
        ("bad-cron-five-fields.json", Stage.Load, [new("$.connectors[0].schedule", "\"0 0/30 * * *\" is not a valid Quartz cron expression: it has 5 fields, the Unix crontab form")]),
        ("bad-cron-value.json", Stage.Load, [new("$.connectors[0].schedule", "\"0 0 25 * * ?\" is not a valid Quartz cron expression: Hour values must be between 0 and 23 (Quartz cron has 6 or 7 fields, seconds first), e.g. \"0 0/30 * * * ?\"")]),
        ("bad-time-zone.json", Stage.Load, [new("$.connectors[0].timeZone", "\"Europe/Berln\" is not a time zone this machine knows")]),
        ("bad-misfire-policy.json", Stage.Load, [new("$.connectors[0].misfirePolicy", "\"fire-now\" is not one of \"skip\", \"fireNow\"; did you mean \"fireNow\"?")]),
        ("bad-duration.json", Stage.Load, [new("$.connectors[0].runTimeout", "\"1 hour\" is not a duration: write \"hh:mm:ss\"")]),
        ("zero-request-timeout.json", Stage.Load, [new("$.memorySync.requestTimeout", "must be longer than zero")]),
        ("negative-batch-size.json", Stage.Load, [new("$.delivery.batchSize", "must be a whole number from 1 to 50 (MemorySync takes at most 50 items per bulk request), found -1")]),
        ("batch-size-too-large.json", Stage.Load, [new("$.delivery.batchSize", "from 1 to 50 (MemorySync takes at most 50 items per bulk request), found 51")]),
        ("bad-max-delete-percent.json", Stage.Load, [new("$.connectors[0].maxDeletePercent", "from 0 to 100 (a percentage of the items delivered), found 150")]),
        ("bad-tier.json", Stage.Load, [new("$.memorySync.tier", "\"Premium\" is not one of \"Free\", \"Pro\", \"Enterprise\", \"Unlimited\"")]),
        ("bad-limits.json", Stage.Load, [new("$.memorySync.limits.perMinute", "must be a whole number from 1 to 60000000, found 0")]),
        ("bad-base-url.json", Stage.Load, [new("$.memorySync.baseUrl", "\"api.memorysync.io\" is not an absolute http:// or https:// address")]),
        ("remote-control-url.json", Stage.Load, [new("$.host.controlUrl", "\"http://0.0.0.0:5817\" is not a loopback address")]),
        ("missing-memory-sync.json", Stage.Load, [new("$", "\"memorySync\" is required")]),
        ("missing-api-key.json", Stage.Load, [new("$.memorySync", "\"apiKey\" is required")]),
        ("missing-env-secret.json", Stage.Load, [new("$.memorySync.apiKey", "${env:CONNECTORHOST_TEST_SURELY_UNSET_7F3A}: the environment variable CONNECTORHOST_TEST_SURELY_UNSET_7F3A is not set")]),
        ("missing-secret-file.json", Stage.Load, [new("$.connectors[0].settings.token", "${file:secrets/missing.token}: the file ")]),
        ("unknown-secret-scheme.json", Stage.Load, [new("$.memorySync.apiKey", "${vault:memorysync} is not a known reference: use ${env:NAME} or ${file:PATH}")]),
        ("unterminated-reference.json", Stage.Load, [new("$.memorySync.apiKey", "has a \"${\" without a closing \"}\"")]),
        ("missing-plugins-directory.json", Stage.Load, [new("$.host.pluginsDirectory", "no-such-folder does not exist; create it")]),
        ("data-directory-is-a-file.json", Stage.Load, [new("$.host.dataDirectory", "plugins.json is a file, not a folder")]),
        ("bad-sha256.json", Stage.Load, [new("$.plugins.FakeCms.sha256", "must be 64 hexadecimal digits")]),
        ("bad-plugin-policy-key.json", Stage.Load, [new("$.plugins.FakeCms.enable", "unknown key \"enable\" in plugin policy \"FakeCms\"; did you mean \"enabled\"?")]),
        ("several-errors.json", Stage.Load,
        [
            new("$.host.logLevel", "\"Verbose\" is not one of \"Trace\", \"Debug\", \"Information\""),
            new("$.delivery.batchSize", "found 0"),
            new("$.connectors[0].schedule", "\"every hour\" is not a valid Quartz cron expression: it has 2 fields"),
            new("$.connectors[1].name", "\"handbook\" is already the name of $.connectors[0]"),
            new("$.connectors[1].enabled", "must be true or false"),
        ]),
        ("unknown-plugin.json", Stage.Bind, [new("$.connectors[0].plugin", "no plugin has the id \"FakeCsm\" (did you mean \"FakeCms\"?); the plugins in ")]),
        ("settings-unknown-key.json", Stage.Bind, [new("$.connectors[0].settings.spacse", "unknown setting \"spacse\" for plugin FakeWiki; did you mean \"spaces\"? (known settings: baseUrl, apiToken, spaces, proxy, labels)")]),
        ("settings-required.json", Stage.Bind, [new("$.connectors[0].settings.root", "The root field is required.")]),
        ("settings-range.json", Stage.Bind, [new("$.connectors[0].settings.maxFileSizeMb", "The field maxFileSizeMb must be between 1 and 100.")]),
        ("settings-regex.json", Stage.Bind, [new("$.connectors[0].settings.extension", "The field extension must match the regular expression")]),
        ("settings-nested.json", Stage.Bind, [new("$.connectors[0].settings.proxy.address", "The address field is required.")]),
        ("settings-collection-element.json", Stage.Bind, [new("$.connectors[0].settings.labels[1].name", "The name field is required.")]),
        ("settings-validatable.json", Stage.Bind, [new("$.connectors[0].settings.spaces[1]", "\"eng wiki\" is not a space key")]),
        ("settings-wrong-type.json", Stage.Bind, [new("$.connectors[0].settings.maxFileSizeMb", "must be a whole number, found a string")]),
        ("settings-bad-enum.json", Stage.Bind, [new("$.connectors[0].settings.mode", "\"fast\" is not one of \"full\", \"incremental\"")]),
        ("settings-bad-duration.json", Stage.Bind, [new("$.connectors[0].settings.pollInterval", "\"5 minutes\" is not a duration")]),
        ("settings-several-errors.json", Stage.Bind,
        [
            new("$.connectors[0].settings.root", "The root field is required."),
            new("$.connectors[0].settings.maxFileSizeMb", "must be between 1 and 100"),
            new("$.connectors[1].settings.labels[0].name", "The name field is required."),
            new("$.connectors[1].settings.spaces", "list at least one space key"),
            new("$.connectors[2].plugin", "no plugin has the id \"Nope\""),
        ]),
    ];

    public static IEnumerable<TestCaseData> Corpus() =>
        s_corpus.Select(entry => new TestCaseData(entry.File, entry.Stage, entry.Errors).SetArgDisplayNames(entry.File));

    [TestCaseSource(nameof(Corpus))]
    public void Load_BadFile_RefusedWithPathAndMessageAndNothingWritten(string file, Stage stage, Expectation[] expected)
    {
        using var folder = new ConfigFolder();
        var path = folder.UseCorpus("Bad", file);
        var before = folder.Snapshot();

        var act = () =>
        {
            var configuration = ConfigurationLoader.Load(path);
            stage.Should().Be(Stage.Bind, "the file must already be refused by Load");
            ConfigurationLoader.BindConnectorSettings(configuration, new FakePluginOptionsSource());
        };

        var exception = act.Should().Throw<ConfigurationException>().Which;
        TestContext.Out.WriteLine(exception.Message);
        exception.FilePath.Should().Be(path);
        exception.Errors.Should().HaveCount(expected.Length, "each corpus file holds exactly the errors listed for it: {0}", exception.Message);
        foreach (var error in expected)
        {
            exception.Errors.Should().Contain(
                actual => actual.JsonPath == error.Path && actual.Message.Contains(error.Fragment, StringComparison.Ordinal),
                "an error at {0} saying \"{1}\" is expected in:\n{2}", error.Path, error.Fragment, exception.Message);
        }

        exception.Message.Split('\n').Should().HaveCount(expected.Length)
            .And.OnlyContain(line => line.StartsWith(path + ": ", StringComparison.Ordinal));
        exception.Message.Should().NotContain(ConfigFolder.ApiKeyValue);
        folder.Snapshot().Should().Equal(before);
    }

    [Test]
    public void Corpus_EveryBadFile_HasAnExpectation()
    {
        var files = Directory.EnumerateFiles(Path.GetDirectoryName(ConfigFolder.CorpusPath("Bad", "x"))!)
            .Select(Path.GetFileName);

        files.Should().BeEquivalentTo(s_corpus.Select(entry => entry.File));
        s_corpus.Length.Should().BeGreaterThanOrEqualTo(25);
    }

    [Test]
    public void Load_MalformedJson_GivesLineAndColumn()
    {
        using var folder = new ConfigFolder();
        var path = folder.UseCorpus("Bad", "malformed.json");

        var exception = FluentActions.Invoking(() => ConfigurationLoader.Load(path)).Should().Throw<ConfigurationException>().Which;

        exception.Errors.Should().ContainSingle().Which.Should().Match<ConfigurationError>(error => error.Line == 4 && error.Column == 14);
        exception.Message.Should().StartWith($"{path}: line 4, column 14: not valid JSON: ");
    }

    [Test]
    public void Load_MissingFile_NamesTheFile()
    {
        using var folder = new ConfigFolder();

        var exception = FluentActions.Invoking(() => ConfigurationLoader.Load(folder.ConfigPath)).Should().Throw<ConfigurationException>().Which;

        exception.Message.Should().Be($"{folder.ConfigPath}: $: the file {folder.ConfigPath} does not exist; create it (see plugins.schema.json) or pass the right file with --config");
    }
}
