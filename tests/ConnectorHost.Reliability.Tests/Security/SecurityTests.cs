using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ConnectorHost.Reliability.Tests.Support;
using ConnectorHost.Testing;

namespace ConnectorHost.Reliability.Tests.Security;

/// <summary>What the published host protects: its files' modes, its plugin folders, and what it listens on.</summary>
[Parallelizable(ParallelScope.All)]
[Platform(Include = "Linux", Reason = "Unix file modes and /proc")]
public sealed class SecurityTests
{
    private const string Connector = Sources.Connector;

    [Test]
    public async Task Sync_FreshAppliance_CreatesDataFolderAndDatabaseOwnerOnly()
    {
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Scripted);
        Sources.Create(appliance, 5);
        Directory.Exists(appliance.Fixture.DataDirectory).Should().BeFalse();

        (await appliance.RunAsync("sync", Connector)).ExitCode.Should().Be(0);

        var database = Path.Combine(appliance.Fixture.DataDirectory, "connector-host.db");
        TestContext.Out.WriteLine($"data folder {Mode(appliance.Fixture.DataDirectory)}, database {Mode(database)}");
        File.GetUnixFileMode(appliance.Fixture.DataDirectory).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.GetUnixFileMode(database).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Test]
    public async Task Validate_WorldReadableFileHoldingSecrets_WarnsWithTheFixAndNeverPrintsTheSecret()
    {
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Scripted);
        Sources.Create(appliance, 5);
        appliance.Fixture.MemorySync["apiKey"] = ProcessAppliance.CanaryApiKey;
        appliance.Fixture.WriteConfig();
        File.SetUnixFileMode(appliance.Fixture.ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var keyFile = Path.Combine(appliance.Root, "secrets", "memorysync.key");

        var inline = await appliance.RunAsync("validate");
        appliance.Fixture.MemorySync["apiKey"] = "${file:secrets/memorysync.key}";
        appliance.Fixture.WriteConfig();
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var referenced = await appliance.RunAsync("validate");

        TestContext.Out.WriteLine(inline.ToString());
        TestContext.Out.WriteLine(referenced.ToString());
        inline.ExitCode.Should().Be(0);
        inline.Output.Should().Contain("holds a secret inline").And.Contain($"chmod 600 {appliance.Fixture.ConfigPath}");
        referenced.ExitCode.Should().Be(0);
        referenced.Output.Should().Contain($"the secret file {keyFile} is readable by others").And.Contain($"chmod 600 {keyFile}");
        appliance.AssertNoSecretLeaked([ProcessAppliance.CanaryApiKey]);
    }

    [Test]
    public async Task Plugins_AssemblyLinkedFromOutsideThePluginFolder_IsRefused()
    {
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Good, FixturePlugins.Scripted);
        Sources.Create(appliance, 5);
        var outside = Path.Combine(appliance.Root, "elsewhere");
        Directory.CreateDirectory(outside);
        var assembly = Path.Combine(appliance.Fixture.PluginsDirectory, FixturePlugins.Good, "ConnectorHost.TestPlugins.GoodPlugin.dll");
        File.Move(assembly, Path.Combine(outside, "ConnectorHost.TestPlugins.GoodPlugin.dll"));
        File.CreateSymbolicLink(assembly, Path.Combine(outside, "ConnectorHost.TestPlugins.GoodPlugin.dll"));

        var result = await appliance.RunAsync("plugins", "--json");

        TestContext.Out.WriteLine(result.ToString());
        result.ExitCode.Should().Be(3);
        var good = PluginEntry(result, FixturePlugins.Good);
        ((string?)good["status"]).Should().Be("NotSupported");
        ((string?)good["reason"]).Should().Contain("ConnectorHost.TestPlugins.GoodPlugin.dll is a symbolic link to").And.Contain("outside the plugin folder");
        ((string?)PluginEntry(result, FixturePlugins.Scripted)["status"]).Should().Be("Active");
    }

    [Test]
    public async Task Plugins_Sha256PinAndAChangedAssembly_RefusesItWithBothDigests()
    {
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Scripted);
        Sources.Create(appliance, 5);
        var assembly = Path.Combine(appliance.Fixture.PluginsDirectory, FixturePlugins.Scripted, "ConnectorHost.TestPlugins.ScriptedSource.dll");
        var pinned = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(assembly)));
        var config = JsonNode.Parse(File.ReadAllText(appliance.Fixture.ConfigPath))!.AsObject();
        config["plugins"] = new JsonObject { ["Scripted"] = new JsonObject { ["sha256"] = pinned } };
        File.WriteAllText(appliance.Fixture.ConfigPath, config.ToJsonString());

        var intact = await appliance.RunAsync("plugins", "--json");
        await File.AppendAllTextAsync(assembly, "tampered");
        var changed = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(assembly)));
        var tampered = await appliance.RunAsync("plugins", "--json");
        var sync = await appliance.RunAsync("sync", Connector);

        TestContext.Out.WriteLine(tampered.ToString());
        TestContext.Out.WriteLine(sync.ToString());
        intact.ExitCode.Should().Be(0, "{0}", intact);
        ((string?)PluginEntry(intact, FixturePlugins.Scripted)["status"]).Should().Be("Active");
        tampered.ExitCode.Should().Be(3);
        var entry = PluginEntry(tampered, FixturePlugins.Scripted);
        ((string?)entry["status"]).Should().Be("NotSupported");
        ((string?)entry["reason"]).Should().Be($"ConnectorHost.TestPlugins.ScriptedSource.dll has SHA-256 {changed}, but plugins.json pins {pinned}: install the pinned build, or pin this one");
        sync.ExitCode.Should().Be(3, "a connector of a refused plugin does not run");
        (await appliance.Emulator.Admin.GetMemoriesAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task Run_DefaultConfiguration_ListensOnLoopbackOnly()
    {
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Scripted);
        Sources.Create(appliance, 5);
        using var service = appliance.Start(["run"]);
        using var http = new HttpClient();
        await Eventually.TrueAsync(
            async () =>
            {
                if (service.HasExited)
                {
                    return true;
                }

                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{appliance.Fixture.ControlPort}/v1/ping"));
                    return true;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            "the control endpoint answers", TimeSpan.FromMinutes(2));
        service.HasExited.Should().BeFalse("{0}{1}", service.Output, service.Error);

        var listening = ListeningSockets(service.Id);
        await service.TerminateAsync();
        appliance.Record(await service.WaitAsync());

        TestContext.Out.WriteLine($"listening: {string.Join(", ", listening)}");
        listening.Should().NotBeEmpty("the control endpoint listens");
        listening.Should().OnlyContain(endpoint => IPAddress.IsLoopback(endpoint.Address), "nothing listens beyond this machine by default");
    }

    [Test]
    public async Task Validate_NonLoopbackControlUrl_RefusedUnlessAllowRemoteControl()
    {
        await using var appliance = await ProcessAppliance.CreateAsync(FixturePlugins.Scripted);
        Sources.Create(appliance, 5);
        appliance.Fixture.Host["controlUrl"] = "http://0.0.0.0:5817";
        appliance.Fixture.WriteConfig();

        var refused = await appliance.RunAsync("run");
        appliance.Fixture.Host["allowRemoteControl"] = true;
        appliance.Fixture.WriteConfig();
        var allowed = await appliance.RunAsync("validate");

        TestContext.Out.WriteLine(refused.ToString());
        refused.ExitCode.Should().Be(2);
        refused.Error.Should().Contain("$.host.controlUrl").And.Contain("is not a loopback address").And.Contain("allowRemoteControl");
        allowed.ExitCode.Should().Be(0, "{0}", allowed);
    }

    private static JsonNode PluginEntry(ProcessResult result, string folder) =>
        JsonNode.Parse(result.Output)!.AsArray().Single(p => (string?)p!["folder"] == folder)!;

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);

    /// <summary>The TCP sockets the process listens on, read from /proc (state 0A is LISTEN).</summary>
    private static List<IPEndPoint> ListeningSockets(int pid)
    {
        var inodes = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd")
            .Select(fd => new FileInfo(fd).LinkTarget)
            .Where(target => target?.StartsWith("socket:[", StringComparison.Ordinal) == true)
            .Select(target => target![8..^1])
            .ToHashSet(StringComparer.Ordinal);
        var endpoints = new List<IPEndPoint>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields[3] == "0A" && inodes.Contains(fields[9]))
                {
                    endpoints.Add(ParseEndpoint(fields[1]));
                }
            }
        }

        return endpoints;
    }

    private static IPEndPoint ParseEndpoint(string hex)
    {
        var (address, port) = (hex[..hex.IndexOf(':', StringComparison.Ordinal)], hex[(hex.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        // The kernel prints the address as 32-bit words in host (little-endian) order.
        var bytes = Convert.FromHexString(address);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4);
        }

        var ip = new IPAddress(bytes);
        return new IPEndPoint(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, int.Parse(port, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }
}
