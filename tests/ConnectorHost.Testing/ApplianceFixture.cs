using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConnectorHost.Cli;
using MemorySync.Emulator.Hosting;

namespace ConnectorHost.Testing;

/// <summary>
/// A whole appliance in a temporary folder, driven through the real command line in this process: real fixture
/// plugins in <c>plugins/</c>, a <c>plugins.json</c> the test shapes, a real state database in <c>data/</c>, and the
/// MemorySync emulator on a loopback port (its API key handed over as a <c>${file:...}</c> secret).
/// </summary>
public sealed class ApplianceFixture : IAsyncDisposable
{
    private readonly List<JsonObject> _connectors = [];
    private readonly TempDirectory _root;

    private ApplianceFixture(TempDirectory root, MemorySyncEmulatorHost emulator)
    {
        _root = root;
        Emulator = emulator;
        ControlPort = FreePort();
        Directory.CreateDirectory(root.Combine("secrets"));
        var keyFile = root.Combine("secrets", "memorysync.key");
        File.WriteAllText(keyFile, emulator.ApiKey + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public string Root => _root.Path;

    public string PluginsDirectory => _root.Combine("plugins");

    public MemorySyncEmulatorHost Emulator { get; }

    public int ControlPort { get; }

    public string ConfigPath => _root.Combine("plugins.json");

    public string DataDirectory => _root.Combine("data");

    public string LogDirectory => _root.Combine("logs");

    /// <summary>The <c>host</c>, <c>memorySync</c> and <c>delivery</c> sections, for tests to adjust before <see cref="WriteConfig"/>.</summary>
    public JsonObject Host { get; } = new();

    public JsonObject MemorySync { get; } = new();

    public JsonObject Delivery { get; } = new() { ["batchSize"] = 50, ["maxConcurrentBatches"] = 4 };

    public static async Task<ApplianceFixture> CreateAsync(params string[] fixturePlugins) =>
        await CreateAsync(new EmulatorOptions(), fixturePlugins);

    public static async Task<ApplianceFixture> CreateAsync(EmulatorOptions emulatorOptions, params string[] fixturePlugins)
    {
        var root = new TempDirectory("appliance");
        var emulator = await MemorySyncEmulatorHost.StartAsync(emulatorOptions);
        var fixture = new ApplianceFixture(root, emulator);
        foreach (var plugin in fixturePlugins)
        {
            fixture.AddPlugin(plugin);
        }

        return fixture;
    }

    /// <summary>Copies a plugin folder built next to the tests (<c>plugins/&lt;name&gt;</c>) into the appliance.</summary>
    public string AddPlugin(string plugin, string? folderName = null)
    {
        var target = System.IO.Path.Combine(PluginsDirectory, folderName ?? plugin);
        CopyDirectory(PluginFolders.FixturePath(plugin), target);
        return target;
    }

    /// <summary>Adds a connector entry (name, plugin, endUserId, settings and any further keys).</summary>
    public JsonObject AddConnector(string name, string plugin, JsonObject settings, string endUserId = "user-1")
    {
        var connector = new JsonObject
        {
            ["name"] = name,
            ["plugin"] = plugin,
            ["endUserId"] = endUserId,
            ["settings"] = settings,
        };
        _connectors.Add(connector);
        return connector;
    }

    /// <summary>A Scripted connector reading <paramref name="script"/> (written now; rewrite it between runs).</summary>
    public ScriptedSourceScript AddScriptedConnector(string name, ScriptedSourceScript? script = null, string endUserId = "user-1")
    {
        script ??= new ScriptedSourceScript();
        script.Path = _root.Combine($"{name}.script.json");
        script.Save();
        AddConnector(name, "Scripted", new JsonObject { ["scriptPath"] = script.Path, ["pruneInterval"] = "00:00:00" }, endUserId);
        return script;
    }

    public void WriteConfig()
    {
        var host = new JsonObject
        {
            ["pluginsDirectory"] = "plugins",
            ["dataDirectory"] = "data",
            ["logDirectory"] = "logs",
            ["controlUrl"] = $"http://127.0.0.1:{ControlPort}",
            ["shutdownGracePeriod"] = "10s",
        };
        Merge(host, Host);
        var memorySync = new JsonObject
        {
            ["baseUrl"] = Emulator.BaseAddress.ToString(),
            ["apiKey"] = "${file:secrets/memorysync.key}",
            ["tier"] = "Unlimited",
        };
        Merge(memorySync, MemorySync);
        var document = new JsonObject
        {
            ["host"] = host,
            ["memorySync"] = memorySync,
            ["delivery"] = JsonNode.Parse(Delivery.ToJsonString()),
            ["connectors"] = new JsonArray([.. _connectors.Select(c => JsonNode.Parse(c.ToJsonString()))]),
        };
        File.WriteAllText(ConfigPath, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Runs <c>connector-host</c> with these arguments (and <c>--config</c>) in this process.</summary>
    public async Task<CliResult> RunCliAsync(params string[] args) => await RunCliAsync(args, CancellationToken.None);

    public async Task<CliResult> RunCliAsync(string[] args, CancellationToken cancellationToken)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CommandLine.Build(output, error)
            .Parse([.. args, "--config", ConfigPath])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { ProcessTerminationTimeout = null, Output = output, Error = error }, cancellationToken);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Starts <c>connector-host run</c> in this process and waits until its control endpoint answers.</summary>
    public async Task<RunningService> StartServiceAsync()
    {
        var stop = new CancellationTokenSource();
        var run = Task.Run(() => RunCliAsync(["run"], stop.Token));
        using var http = new HttpClient();
        await Eventually.TrueAsync(
            async () =>
            {
                if (run.IsCompleted)
                {
                    var result = await run;
                    throw new InvalidOperationException($"The service ended at start with {result.ExitCode}: {result.Error}{result.Output}");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{ControlPort}/v1/ping"));
                    return response.StatusCode == HttpStatusCode.Unauthorized || response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            "the service's control endpoint answers");
        return new RunningService(run, stop);
    }

    public async ValueTask DisposeAsync()
    {
        await Emulator.DisposeAsync();
        _root.Dispose();
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, System.IO.Path.Combine(target, System.IO.Path.GetFileName(file)), overwrite: true);
        }

        foreach (var directory in Directory.EnumerateDirectories(source))
        {
            CopyDirectory(directory, System.IO.Path.Combine(target, System.IO.Path.GetFileName(directory)));
        }
    }

    private static void Merge(JsonObject target, JsonObject overrides)
    {
        foreach (var (key, value) in overrides)
        {
            target[key] = value is null ? null : JsonNode.Parse(value.ToJsonString());
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>What a command printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>A <c>connector-host run</c> started by <see cref="ApplianceFixture.StartServiceAsync"/>.</summary>
public sealed class RunningService(Task<CliResult> run, CancellationTokenSource stop) : IAsyncDisposable
{
    /// <summary>Stops the service as SIGTERM would and returns how it ended.</summary>
    public async Task<CliResult> StopAsync()
    {
        await stop.CancelAsync();
        return await run;
    }

    public async ValueTask DisposeAsync()
    {
        if (!run.IsCompleted)
        {
            await StopAsync();
        }

        stop.Dispose();
    }
}

/// <summary>The script a ScriptedSource connector replays (see tests/TestPlugins/ScriptedSource).</summary>
public sealed class ScriptedSourceScript
{
    public string Path { get; set; } = "";

    public List<JsonObject> Items { get; } = [];

    public List<string> Deletes { get; } = [];

    public int CheckpointEvery { get; set; } = 10;

    public int? FailAfter { get; set; }

    public List<string>? Listing { get; set; }

    public int DelayMs { get; set; }

    /// <summary>Adds an item whose text is long enough for MemorySync.</summary>
    public ScriptedSourceScript Item(string id, string version = "1", string? text = null, string? title = null)
    {
        Items.RemoveAll(i => (string?)i["id"] == id);
        Items.Add(new JsonObject
        {
            ["id"] = id,
            ["version"] = version,
            ["title"] = title ?? $"Document {id}",
            ["text"] = text ?? $"The body of document {id} at version {version}, written for the test.",
        });
        return this;
    }

    public ScriptedSourceScript Remove(string id)
    {
        Items.RemoveAll(i => (string?)i["id"] == id);
        return this;
    }

    public void Save()
    {
        var document = new JsonObject
        {
            ["items"] = new JsonArray([.. Items.Select(i => JsonNode.Parse(i.ToJsonString()))]),
            ["deletes"] = new JsonArray([.. Deletes.Select(d => (JsonNode)d)]),
            ["checkpointEvery"] = CheckpointEvery,
            ["failAfter"] = FailAfter,
            ["listing"] = Listing is null ? null : new JsonArray([.. Listing.Select(d => (JsonNode)d)]),
            ["delayMs"] = DelayMs,
        };
        File.WriteAllText(Path, document.ToJsonString());
    }
}
