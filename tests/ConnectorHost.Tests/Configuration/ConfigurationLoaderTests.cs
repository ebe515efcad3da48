using ConnectorHost.Configuration;
using ConnectorHost.MemorySync;
using Microsoft.Extensions.Logging;

namespace ConnectorHost.Tests.Configuration;

[Parallelizable(ParallelScope.All)]
public sealed class ConfigurationLoaderTests
{
    [Test]
    public void Load_MinimalFile_TakesEveryDefault()
    {
        using var folder = new ConfigFolder();
        var path = folder.UseCorpus("Good", "minimal.json");

        var configuration = ConfigurationLoader.Load(path);

        configuration.FilePath.Should().Be(path);
        configuration.Host.Should().BeEquivalentTo(new
        {
            PluginsDirectory = Path.Combine(folder.Root, "plugins"),
            DataDirectory = Path.Combine(folder.Root, "data"),
            LogDirectory = Path.Combine(folder.Root, "logs"),
            ControlUrl = new Uri("http://127.0.0.1:5817"),
            AllowRemoteControl = false,
            ShutdownGracePeriod = TimeSpan.FromSeconds(30),
            LogLevel = LogLevel.Information,
        });
        configuration.MemorySync.Should().BeEquivalentTo(new
        {
            BaseUrl = new Uri("https://api.memorysync.io"),
            ApiKey = ConfigFolder.ApiKeyValue,
            ProjectId = (string?)null,
            Tier = MemorySyncTier.Pro,
            Limits = (MemorySyncLimits?)null,
            RequestTimeout = TimeSpan.FromSeconds(30),
        });
        configuration.Delivery.Should().BeEquivalentTo(new { BatchSize = 50, MaxConcurrentBatches = 4, Deduplicate = false, MaxTextLength = 262_144 });
        configuration.Plugins.Should().BeEmpty();
        configuration.Connectors.Should().BeEmpty();
        configuration.Warnings.Should().ContainSingle(warning => warning.Message.Contains("no \"connectors\" are configured", StringComparison.Ordinal));
    }

    [Test]
    public void Load_FullFile_ReadsEveryKey()
    {
        using var folder = new ConfigFolder();
        Directory.CreateDirectory(Path.Combine(folder.Root, "ext", "plugins"));
        folder.WritePrivate("secrets/proxy.password", "proxy-secret-91\n");
        var path = folder.UseCorpus("Good", "full.json");

        var configuration = ConfigurationLoader.Load(path);

        configuration.Host.PluginsDirectory.Should().Be(Path.Combine(folder.Root, "ext", "plugins"));
        configuration.Host.ControlUrl.Should().Be(new Uri("http://localhost:6000"));
        configuration.Host.ShutdownGracePeriod.Should().Be(TimeSpan.FromMinutes(2));
        configuration.Host.LogLevel.Should().Be(LogLevel.Debug);
        configuration.MemorySync.Should().BeEquivalentTo(new
        {
            BaseUrl = new Uri("https://memorysync.internal.example.com"),
            ProjectId = "proj-42",
            Tier = MemorySyncTier.Enterprise,
            Limits = new { PerSecond = 5, PerMinute = 100, PerHour = (int?)null },
            RequestTimeout = TimeSpan.FromSeconds(90),
        });
        configuration.Delivery.Should().BeEquivalentTo(new { BatchSize = 25, MaxConcurrentBatches = 2, Deduplicate = true, MaxTextLength = 50_000 });
        configuration.Plugins["FakeCms"].Sha256.Should().Be("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
        configuration.Plugins["Legacy.Importer"].Enabled.Should().BeFalse();

        var handbook = configuration.Connectors[0];
        handbook.Should().BeEquivalentTo(new
        {
            JsonPath = "$.connectors[0]",
            Name = "handbook",
            Plugin = "FakeCms",
            Schedule = "0 */15 * * * ?",
            MisfirePolicy = MisfirePolicy.FireNow,
            EndUserId = "ops-team",
            Enabled = true,
            RunOnStartup = true,
            RunTimeout = TimeSpan.FromDays(1),
            PruneInterval = TimeSpan.FromHours(6),
            MaxDeletePercent = 5,
        });
        handbook.TimeZone.Should().Be(TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        handbook.Settings.GetProperty("root").GetString().Should().Be("/srv/cms");

        var wiki = configuration.Connectors[1];
        wiki.JsonPath.Should().Be("$.connectors[1]");
        wiki.Schedule.Should().BeNull();
        wiki.RunTimeout.Should().BeNull();
        wiki.TimeZone.Should().Be(TimeZoneInfo.Utc);
        wiki.MisfirePolicy.Should().Be(MisfirePolicy.Skip);
        configuration.Warnings.Should().BeEmpty();
    }

    [Test]
    public void Load_RelativeDirectories_ResolveAgainstTheConfigFolderNotTheCurrentDirectory()
    {
        using var folder = new ConfigFolder();
        Directory.CreateDirectory(Path.Combine(folder.Root, "ext", "plugins"));
        folder.Write("secrets/proxy.password", "proxy-secret-91");
        var path = folder.UseCorpus("Good", "full.json");

        var configuration = ConfigurationLoader.Load(path);

        Environment.CurrentDirectory.Should().NotBe(folder.Root);
        configuration.Host.PluginsDirectory.Should().Be(Path.Combine(folder.Root, "ext", "plugins"));
        configuration.Host.DataDirectory.Should().Be(Path.GetFullPath(Path.Combine(folder.Root, "..", "state", "data")));
        configuration.Host.LogDirectory.Should().Be(Path.GetFullPath("/var/log/connector-host"));
    }

    [TestCase("\"00:00:30\"", 30)]
    [TestCase("\"1.02:03:04\"", 93784)]
    [TestCase("\"30s\"", 30)]
    [TestCase("\"5m\"", 300)]
    [TestCase("\"2h\"", 7200)]
    [TestCase("\"1d\"", 86400)]
    public void Load_Duration_AcceptsClockAndShortForms(string written, int seconds)
    {
        using var folder = new ConfigFolder();
        var path = folder.Write("plugins.json", $$"""
            { "host": { "shutdownGracePeriod": {{written}} }, "memorySync": { "apiKey": "${env:{{ConfigFolder.ApiKeyVariable}}}" }, "connectors": [] }
            """);

        ConfigurationLoader.Load(path).Host.ShutdownGracePeriod.Should().Be(TimeSpan.FromSeconds(seconds));
    }

    [Test]
    public void Load_EnvironmentSecret_ResolvesWholeAndEmbeddedAndRegisters()
    {
        using var folder = new ConfigFolder();
        var variable = "CONNECTORHOST_TEST_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, "env-secret-4821");
        try
        {
            var path = folder.Write("plugins.json", $$"""
                {
                  "memorySync": { "apiKey": "${env:{{variable}}}" },
                  "connectors": [ { "name": "a", "plugin": "FakeCms", "endUserId": "ops",
                    "settings": { "header": "Bearer ${env:{{variable}}}", "pair": "${env:{{variable}}}:${env:{{variable}}}" } } ]
                }
                """);

            var configuration = ConfigurationLoader.Load(path);

            configuration.MemorySync.ApiKey.Should().Be("env-secret-4821");
            var settings = configuration.Connectors[0].Settings;
            settings.GetProperty("header").GetString().Should().Be("Bearer env-secret-4821");
            settings.GetProperty("pair").GetString().Should().Be("env-secret-4821:env-secret-4821");
            configuration.Secrets.Contains("env-secret-4821").Should().BeTrue();
            configuration.Connectors[0].SecretReferencePaths.Should().BeEquivalentTo("$.connectors[0].settings.header", "$.connectors[0].settings.pair");
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Test]
    public void Load_EscapedReference_StaysLiteralAndIsNotASecret()
    {
        using var folder = new ConfigFolder();
        var path = folder.Write("plugins.json", $$"""
            {
              "memorySync": { "apiKey": "${env:{{ConfigFolder.ApiKeyVariable}}}" },
              "connectors": [ { "name": "a", "plugin": "FakeCms", "endUserId": "ops",
                "settings": { "template": "$${env:HOME} costs $5 and $${file:x}" } } ]
            }
            """);

        var configuration = ConfigurationLoader.Load(path);

        configuration.Connectors[0].Settings.GetProperty("template").GetString().Should().Be("${env:HOME} costs $5 and ${file:x}");
        configuration.Connectors[0].SecretReferencePaths.Should().BeEmpty();
        configuration.Secrets.Contains("${env:HOME} costs $5 and ${file:x}").Should().BeFalse();
    }

    [Test]
    public void Load_FileSecret_ReadsRelativeToTheConfigFolderAndTrimsTheTrailingNewline()
    {
        using var folder = new ConfigFolder();
        folder.Write("secrets/memorysync.key", "file-secret-7731\n");
        var path = folder.Write("plugins.json", """
            { "memorySync": { "apiKey": "${file:secrets/memorysync.key}" }, "connectors": [] }
            """);

        var configuration = ConfigurationLoader.Load(path);

        configuration.MemorySync.ApiKey.Should().Be("file-secret-7731");
        configuration.Secrets.Contains("file-secret-7731").Should().BeTrue();
    }

    [Test]
    public void Load_DisabledConnector_LeavesItsSecretReferencesUnresolved()
    {
        using var folder = new ConfigFolder();
        var path = folder.Write("plugins.json", $$"""
            {
              "memorySync": { "apiKey": "${env:{{ConfigFolder.ApiKeyVariable}}}" },
              "connectors": [ { "name": "a", "plugin": "FakeWiki", "endUserId": "ops", "enabled": false,
                "settings": { "apiToken": "${env:CONNECTORHOST_TEST_SURELY_UNSET_7F3A}" } } ]
            }
            """);

        var configuration = ConfigurationLoader.Load(path);

        configuration.Connectors[0].Enabled.Should().BeFalse();
        configuration.Connectors[0].Settings.GetProperty("apiToken").GetString().Should().Be("${env:CONNECTORHOST_TEST_SURELY_UNSET_7F3A}");
    }

    [Test]
    public void Load_ConnectorWithoutSchedule_RunsManuallyOnly()
    {
        using var folder = new ConfigFolder();
        var path = folder.Write("plugins.json", $$"""
            { "memorySync": { "apiKey": "${env:{{ConfigFolder.ApiKeyVariable}}}" },
              "connectors": [ { "name": "a", "plugin": "FakeCms", "endUserId": "ops" } ] }
            """);

        var connector = ConfigurationLoader.Load(path).Connectors.Should().ContainSingle().Subject;

        connector.Schedule.Should().BeNull();
        connector.Settings.EnumerateObject().Should().BeEmpty();
        connector.RunTimeout.Should().Be(TimeSpan.FromHours(1));
        connector.MaxDeletePercent.Should().Be(20);
    }

    [Test]
    public void Load_CronWithEverySecond_WarnsAndSuggestsSecondZero()
    {
        using var folder = new ConfigFolder();
        var path = folder.Write("plugins.json", $$"""
            { "memorySync": { "apiKey": "${env:{{ConfigFolder.ApiKeyVariable}}}" },
              "connectors": [ { "name": "a", "plugin": "FakeCms", "endUserId": "ops", "schedule": "* */5 * * * ?" } ] }
            """);

        var configuration = ConfigurationLoader.Load(path);

        configuration.Warnings.Should().ContainSingle().Which.Should().Be(new ConfigurationWarning(
            "$.connectors[0].schedule",
            "\"* */5 * * * ?\" fires every second of the minutes it matches; to fire once in each, make the first (seconds) field 0: \"0 */5 * * * ?\""));
    }

    [Test]
    public void Load_RemoteControlUrlWhenAllowed_IsAccepted()
    {
        using var folder = new ConfigFolder();
        var path = folder.Write("plugins.json", $$"""
            { "host": { "controlUrl": "http://0.0.0.0:5817", "allowRemoteControl": true },
              "memorySync": { "apiKey": "${env:{{ConfigFolder.ApiKeyVariable}}}" }, "connectors": [] }
            """);

        ConfigurationLoader.Load(path).Host.ControlUrl.Should().Be(new Uri("http://0.0.0.0:5817"));
    }

    [Test]
    public void Load_PlainHttpMemorySyncToAnotherMachine_Warns()
    {
        using var folder = new ConfigFolder();
        var path = folder.Write("plugins.json", $$"""
            { "memorySync": { "baseUrl": "http://memorysync.example.com", "apiKey": "${env:{{ConfigFolder.ApiKeyVariable}}}" }, "connectors": [] }
            """);

        ConfigurationLoader.Load(path).Warnings.Should().Contain(warning =>
            warning.JsonPath == "$.memorySync.baseUrl" && warning.Message.Contains("the API key travels unencrypted", StringComparison.Ordinal));
    }

    [Test]
    public void Load_InlineApiKeyInAFileOthersCanRead_WarnsWithModeAndFix()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix permissions only.");
        }

        using var folder = new ConfigFolder();
        var path = folder.Write("plugins.json", """{ "memorySync": { "apiKey": "ms_inline_key_5150" }, "connectors": [] }""");
        ConfigFolder.Chmod(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        var configuration = ConfigurationLoader.Load(path);

        configuration.MemorySync.ApiKey.Should().Be("ms_inline_key_5150");
        configuration.Secrets.Contains("ms_inline_key_5150").Should().BeTrue();
        var warning = configuration.Warnings.Should().ContainSingle(w => w.JsonPath == "$.memorySync.apiKey").Subject;
        warning.Message.Should().Be(
            $"holds a secret inline, and {path} is readable by group or others (mode 640); restrict it with \"chmod 600 {path}\", or move the secret to ${{env:NAME}} or ${{file:PATH}}");
    }

    [Test]
    public void Load_InlineApiKeyInAPrivateFile_DoesNotWarn()
    {
        using var folder = new ConfigFolder();
        var path = folder.WritePrivate("plugins.json", """{ "memorySync": { "apiKey": "ms_inline_key_5150" }, "connectors": [] }""");

        ConfigurationLoader.Load(path).Warnings.Should().NotContain(w => w.JsonPath == "$.memorySync.apiKey");
    }

    [Test]
    public void Load_SecretFileReadableByOthers_WarnsWithModeAndFix()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix permissions only.");
        }

        using var folder = new ConfigFolder();
        var secret = folder.Write("memorysync.key", "file-secret-7731");
        ConfigFolder.Chmod(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var path = folder.Write("plugins.json", """{ "memorySync": { "apiKey": "${file:memorysync.key}" }, "connectors": [] }""");

        var configuration = ConfigurationLoader.Load(path);

        configuration.Warnings.Should().ContainSingle(w => w.JsonPath == "$.memorySync.apiKey").Which.Message.Should().Be(
            $"${{file:memorysync.key}}: the secret file {secret} is readable by others (mode 644); restrict it with \"chmod 600 {secret}\"");
    }

    [Test]
    public void Load_SecretFileReadableByItsGroupOnly_DoesNotWarn()
    {
        using var folder = new ConfigFolder();
        var secret = folder.Write("memorysync.key", "file-secret-7731");
        ConfigFolder.Chmod(secret, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        var path = folder.WritePrivate("plugins.json", """{ "memorySync": { "apiKey": "${file:memorysync.key}" }, "connectors": [] }""");

        ConfigurationLoader.Load(path).Warnings.Should().NotContain(w => w.JsonPath == "$.memorySync.apiKey");
    }

    [Test]
    public void Load_SecretWrittenAsANumber_IsNotEchoed()
    {
        using var folder = new ConfigFolder();
        var path = folder.Write("plugins.json", """{ "memorySync": { "apiKey": 73915524 }, "connectors": [] }""");

        var exception = FluentActions.Invoking(() => ConfigurationLoader.Load(path)).Should().Throw<ConfigurationException>().Which;

        exception.Message.Should().Be($"{path}: $.memorySync.apiKey: must be a string in double quotes, found a number");
    }

    [TestCase("UTC")]
    [TestCase("Europe/Berlin")]
    [TestCase("W. Europe Standard Time")]
    public void Load_TimeZone_AcceptsIanaAndWindowsIds(string id)
    {
        using var folder = new ConfigFolder();
        var path = folder.Write("plugins.json", $$"""
            { "memorySync": { "apiKey": "${env:{{ConfigFolder.ApiKeyVariable}}}" },
              "connectors": [ { "name": "a", "plugin": "FakeCms", "endUserId": "ops", "timeZone": "{{id}}" } ] }
            """);

        var zone = ConfigurationLoader.Load(path).Connectors[0].TimeZone;

        zone.HasSameRules(TimeZoneInfo.FindSystemTimeZoneById(id)).Should().BeTrue();
    }

    [Test]
    public void Load_CrontabLine_ShowsWhatItWouldMeanInQuartzForm()
    {
        using var folder = new ConfigFolder();
        var path = folder.Write("plugins.json", $$"""
            { "memorySync": { "apiKey": "${env:{{ConfigFolder.ApiKeyVariable}}}" },
              "connectors": [ { "name": "a", "plugin": "FakeCms", "endUserId": "ops", "schedule": "*/15 * * * 1-5" } ] }
            """);

        var exception = FluentActions.Invoking(() => ConfigurationLoader.Load(path)).Should().Throw<ConfigurationException>().Which;

        exception.Errors.Should().ContainSingle().Which.Should().Be(new ConfigurationError("$.connectors[0].schedule",
            "\"*/15 * * * 1-5\" is not a valid Quartz cron expression: it has 5 fields, the Unix crontab form; as a crontab line it would be \"0 */15 * ? * MON-FRI\" (Quartz cron has 6 or 7 fields, seconds first), e.g. \"0 0/30 * * * ?\" for every 30 minutes"));
    }

    [TestCase("${env:}", "\"\" is not an environment variable name")]
    [TestCase("${env:1ABC}", "\"1ABC\" is not an environment variable name")]
    [TestCase("${file:}", "${file:} names no file")]
    [TestCase("${file:empty.key}", "the file {0} is empty")]
    [TestCase("${env:CONNECTORHOST_TEST_EMPTY_VALUE}", "the environment variable CONNECTORHOST_TEST_EMPTY_VALUE is empty")]
    [TestCase("prefix-${env:CONNECTORHOST_TEST_SURELY_UNSET_7F3A}-suffix", "${env:CONNECTORHOST_TEST_SURELY_UNSET_7F3A}: the environment variable CONNECTORHOST_TEST_SURELY_UNSET_7F3A is not set")]
    public void Load_BadReference_NamesItAtItsPath(string reference, string fragment)
    {
        using var folder = new ConfigFolder();
        var emptyFile = folder.Write("empty.key", "\n");
        if (reference.Contains("EMPTY_VALUE", StringComparison.Ordinal) && OperatingSystem.IsWindows())
        {
            Assert.Ignore("Windows cannot hold an empty environment variable.");
        }

        Environment.SetEnvironmentVariable("CONNECTORHOST_TEST_EMPTY_VALUE", "");
        var path = folder.Write("plugins.json", $$"""{ "memorySync": { "projectId": "{{reference}}", "apiKey": "${env:{{ConfigFolder.ApiKeyVariable}}}" }, "connectors": [] }""");

        var exception = FluentActions.Invoking(() => ConfigurationLoader.Load(path)).Should().Throw<ConfigurationException>().Which;

        exception.Errors.Should().ContainSingle().Which.JsonPath.Should().Be("$.memorySync.projectId");
        exception.Errors[0].Message.Should().Contain(fragment.Replace("{0}", emptyFile, StringComparison.Ordinal));
    }
}
