using ConnectorHost.Configuration;

namespace ConnectorHost.Tests.Configuration;

[Parallelizable(ParallelScope.All)]
public sealed class ConnectorSettingsBinderTests
{
    private const string InlineToken = "inline-token-5521";

    [Test]
    public void BindConnectorSettings_ValidSettings_StoresTheBoundOptions()
    {
        using var folder = new ConfigFolder();
        Directory.CreateDirectory(Path.Combine(folder.Root, "ext", "plugins"));
        folder.WritePrivate("secrets/proxy.password", "proxy-secret-91\n");
        var configuration = ConfigurationLoader.Load(folder.UseCorpus("Good", "full.json"));

        ConfigurationLoader.BindConnectorSettings(configuration, new FakePluginOptionsSource());

        var handbook = configuration.Connectors[0];
        handbook.Availability.Should().Be(ConnectorAvailability.Available);
        handbook.Options.Should().BeEquivalentTo(new CmsOptions
        {
            Root = "/srv/cms",
            MaxFileSizeMb = 10,
            Extension = ".md",
            PollInterval = TimeSpan.FromSeconds(90),
            Mode = CmsMode.Incremental,
        });
        var wiki = configuration.Connectors[1].Options.Should().BeOfType<WikiOptions>().Subject;
        wiki.ApiToken.Should().Be("Bearer " + ConfigFolder.ApiKeyValue);
        wiki.Spaces.Should().Equal("ENG", "OPS");
        wiki.Proxy!.Password.Should().Be("proxy-secret-91");
        wiki.Labels.Should().ContainSingle().Which.Weight.Should().Be(0.5);
    }

    [Test]
    public void BindConnectorSettings_SettingsKeysInAnyCase_Bind()
    {
        using var folder = new ConfigFolder();
        var configuration = Load(folder, """{ "name": "a", "plugin": "FakeCms", "endUserId": "ops", "settings": { "Root": "/r", "MAXFILESIZEMB": 7, "mode": "FULL" } }""");

        ConfigurationLoader.BindConnectorSettings(configuration, new FakePluginOptionsSource());

        configuration.Connectors[0].Options.Should().BeEquivalentTo(new CmsOptions { Root = "/r", MaxFileSizeMb = 7, Mode = CmsMode.Full });
    }

    [Test]
    public void BindConnectorSettings_SecretProperties_JoinTheRegistry()
    {
        using var folder = new ConfigFolder();
        var configuration = Load(folder, $$"""
            { "name": "a", "plugin": "FakeWiki", "endUserId": "ops",
              "settings": { "baseUrl": "https://wiki.example.com", "apiToken": "{{InlineToken}}", "spaces": ["ENG"],
                            "proxy": { "address": "http://proxy.example.com", "password": "nested-secret-3390" } } }
            """);
        configuration.Secrets.Contains(InlineToken).Should().BeFalse("a literal is only known as a secret once its property says so");

        ConfigurationLoader.BindConnectorSettings(configuration, new FakePluginOptionsSource());

        configuration.Secrets.Contains(InlineToken).Should().BeTrue();
        configuration.Secrets.Contains("nested-secret-3390").Should().BeTrue();
        configuration.Secrets.Contains("https://wiki.example.com").Should().BeFalse();
        configuration.Secrets.Redact($"GET with token {InlineToken}").Should().Be("GET with token ***");
    }

    [Test]
    public void BindConnectorSettings_InlineSecretInAFileOthersCanRead_WarnsWithModeAndFix()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix permissions only.");
        }

        using var folder = new ConfigFolder();
        var configuration = Load(folder, $$"""
            { "name": "a", "plugin": "FakeWiki", "endUserId": "ops",
              "settings": { "baseUrl": "https://wiki.example.com", "apiToken": "{{InlineToken}}", "spaces": ["ENG"] } }
            """, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        ConfigurationLoader.BindConnectorSettings(configuration, new FakePluginOptionsSource());

        var warning = configuration.Warnings.Should().ContainSingle().Subject;
        warning.JsonPath.Should().Be("$.connectors[0].settings.apiToken");
        warning.Message.Should().Contain("holds a secret inline").And.Contain("(mode 644)").And.Contain($"chmod 600 {folder.ConfigPath}")
            .And.NotContain(InlineToken);
    }

    [Test]
    public void BindConnectorSettings_InlineSecretInAPrivateFile_DoesNotWarn()
    {
        using var folder = new ConfigFolder();
        var configuration = Load(folder, $$"""
            { "name": "a", "plugin": "FakeWiki", "endUserId": "ops",
              "settings": { "baseUrl": "https://wiki.example.com", "apiToken": "{{InlineToken}}", "spaces": ["ENG"] } }
            """, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        ConfigurationLoader.BindConnectorSettings(configuration, new FakePluginOptionsSource());

        configuration.Warnings.Should().BeEmpty();
    }

    [Test]
    public void BindConnectorSettings_SecretFromAReferenceInAReadableFile_DoesNotWarn()
    {
        using var folder = new ConfigFolder();
        var configuration = Load(folder, $$"""
            { "name": "a", "plugin": "FakeWiki", "endUserId": "ops",
              "settings": { "baseUrl": "https://wiki.example.com", "apiToken": "${env:{{ConfigFolder.ApiKeyVariable}}}", "spaces": ["ENG"] } }
            """, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        ConfigurationLoader.BindConnectorSettings(configuration, new FakePluginOptionsSource());

        configuration.Warnings.Should().BeEmpty();
    }

    [Test]
    public void BindConnectorSettings_DisabledConnector_IsNotValidatedAndWarns()
    {
        using var folder = new ConfigFolder();
        var configuration = Load(folder, """{ "name": "off", "plugin": "NoSuchPlugin", "endUserId": "ops", "enabled": false, "settings": { "bogus": 1 } }""");

        ConfigurationLoader.BindConnectorSettings(configuration, new FakePluginOptionsSource());

        var connector = configuration.Connectors[0];
        connector.Availability.Should().Be(ConnectorAvailability.NotBound);
        connector.Options.Should().BeNull();
        configuration.Warnings.Should().ContainSingle().Which.Should().Be(
            new ConfigurationWarning("$.connectors[0]", "connector \"off\" is disabled: its settings were not validated"));
    }

    [Test]
    public void BindConnectorSettings_UnavailablePlugin_MarksTheConnectorAndBindsTheOthers()
    {
        using var folder = new ConfigFolder();
        var configuration = Load(folder,
            """{ "name": "old", "plugin": "Refused", "endUserId": "ops", "settings": { "anything": true } }""",
            """{ "name": "cms", "plugin": "FakeCms", "endUserId": "ops", "settings": { "root": "/srv" } }""");

        ConfigurationLoader.BindConnectorSettings(configuration, new FakePluginOptionsSource());

        var refused = configuration.Connectors[0];
        refused.Availability.Should().Be(ConnectorAvailability.Unavailable);
        refused.UnavailableReason.Should().Be(FakePluginOptionsSource.RefusedReason);
        refused.Options.Should().BeNull();
        configuration.Connectors[1].Availability.Should().Be(ConnectorAvailability.Available);
        configuration.Warnings.Should().ContainSingle().Which.Message.Should().Be(
            $"connector \"old\" will not run: plugin \"Refused\" is unavailable ({FakePluginOptionsSource.RefusedReason})");
    }

    [Test]
    public void BindConnectorSettings_SettingsTypeTheSerializerCannotCreate_MarksTheConnectorUnavailable()
    {
        using var folder = new ConfigFolder();
        var configuration = Load(folder, """{ "name": "b", "plugin": "BrokenOptions", "endUserId": "ops", "settings": { "root": "/srv" } }""");

        ConfigurationLoader.BindConnectorSettings(configuration, new FakePluginOptionsSource());

        var connector = configuration.Connectors[0];
        connector.Availability.Should().Be(ConnectorAvailability.Unavailable);
        connector.UnavailableReason.Should().StartWith($"its settings type {typeof(AbstractOptions).FullName} cannot be bound or validated: ");
    }

    [Test]
    public void BindConnectorSettings_ValidatorThatThrows_MarksTheConnectorUnavailableAndStillReportsTheOthers()
    {
        using var folder = new ConfigFolder();
        var configuration = Load(folder,
            """{ "name": "b", "plugin": "BrokenValidator", "endUserId": "ops", "settings": { "root": "/srv" } }""",
            """{ "name": "c", "plugin": "FakeCms", "endUserId": "ops", "settings": { } }""");

        var exception = FluentActions.Invoking(() => ConfigurationLoader.BindConnectorSettings(configuration, new FakePluginOptionsSource()))
            .Should().Throw<ConfigurationException>().Which;

        exception.Errors.Should().ContainSingle().Which.JsonPath.Should().Be("$.connectors[1].settings.root");
        configuration.Connectors[0].Availability.Should().Be(ConnectorAvailability.Unavailable);
        configuration.Connectors[0].UnavailableReason.Should().EndWith("cannot be bound or validated: validator bug");
    }

    [Test]
    public void BindConnectorSettings_ValueFromAReferenceFailsValidation_MessageDoesNotEchoIt()
    {
        using var folder = new ConfigFolder();
        var configuration = Load(folder, $$"""
            { "name": "a", "plugin": "FakeCms", "endUserId": "ops", "settings": { "root": "/r", "mode": "${env:{{ConfigFolder.ApiKeyVariable}}}" } }
            """);

        var exception = FluentActions.Invoking(() => ConfigurationLoader.BindConnectorSettings(configuration, new FakePluginOptionsSource()))
            .Should().Throw<ConfigurationException>().Which;

        exception.Message.Should().Contain("$.connectors[0].settings.mode: the value of its reference is not one of \"full\", \"incremental\"")
            .And.NotContain(ConfigFolder.ApiKeyValue);
    }

    private static HostConfiguration Load(ConfigFolder folder, params string[] connectors) =>
        LoadWithMode(folder, string.Join(",", connectors), null);

    private static HostConfiguration Load(ConfigFolder folder, string connector, UnixFileMode mode) =>
        LoadWithMode(folder, connector, mode);

    private static HostConfiguration LoadWithMode(ConfigFolder folder, string connector, UnixFileMode? mode)
    {
        var path = folder.Write("plugins.json", $$"""
            { "memorySync": { "apiKey": "${env:{{ConfigFolder.ApiKeyVariable}}}" }, "connectors": [ {{connector}} ] }
            """);
        if (mode is { } unixMode)
        {
            ConfigFolder.Chmod(path, unixMode);
        }

        return ConfigurationLoader.Load(path);
    }
}
