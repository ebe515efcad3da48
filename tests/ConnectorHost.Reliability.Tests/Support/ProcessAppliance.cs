using System.Text.Json.Nodes;
using ConnectorHost.Testing;
using MemorySync.Emulator.Hosting;

namespace ConnectorHost.Reliability.Tests.Support;

/// <summary>
/// An <see cref="ApplianceFixture"/> (temporary folder, plugins, plugins.json, the emulator in this process) whose host
/// runs as a separate process. Every command's output is kept, so a test can scan all of it for secrets at the end.
/// </summary>
internal sealed class ProcessAppliance : IAsyncDisposable
{
    /// <summary>The canary MemorySync key: it must never appear in anything the host prints or writes.</summary>
    public static readonly string CanaryApiKey = "ms_canary_" + Guid.NewGuid().ToString("N");

    private readonly List<string> _transcript = [];

    private ProcessAppliance(ApplianceFixture fixture)
    {
        Fixture = fixture;
    }

    public ApplianceFixture Fixture { get; }

    public MemorySyncEmulatorHost Emulator => Fixture.Emulator;

    public string Root => Fixture.Root;

    /// <summary>Every stdout and stderr text the host produced so far.</summary>
    public IReadOnlyList<string> Transcript
    {
        get
        {
            lock (_transcript)
            {
                return [.. _transcript];
            }
        }
    }

    public static async Task<ProcessAppliance> CreateAsync(params string[] plugins) => await CreateAsync(new EmulatorOptions(), plugins);

    public static async Task<ProcessAppliance> CreateAsync(EmulatorOptions emulatorOptions, params string[] plugins)
    {
        emulatorOptions.ApiKeys = [CanaryApiKey];
        return new ProcessAppliance(await ApplianceFixture.CreateAsync(emulatorOptions, plugins));
    }

    /// <summary>Runs <c>connector-host</c> with <paramref name="args"/> and <c>--config</c> to its end.</summary>
    public async Task<ProcessResult> RunAsync(string[] args, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var result = await HostProcess.RunAsync(Root, [.. args, "--config", Fixture.ConfigPath], environment, timeout);
        Record(result);
        return result;
    }

    public Task<ProcessResult> RunAsync(params string[] args) => RunAsync(args, null);

    /// <summary>Starts <c>connector-host</c> without waiting; call <see cref="Record"/> with its result.</summary>
    public HostProcess Start(string[] args, IReadOnlyDictionary<string, string?>? environment = null) =>
        HostProcess.Start(Root, [.. args, "--config", Fixture.ConfigPath], environment);

    public void Record(ProcessResult result)
    {
        lock (_transcript)
        {
            _transcript.Add(result.Output);
            _transcript.Add(result.Error);
        }
    }

    /// <summary>The committed cursor of <paramref name="connector"/>, read through <c>cursor show --json</c>.</summary>
    public async Task<string?> CursorAsync(string connector)
    {
        var result = await RunAsync("cursor", "show", connector, "--json");
        result.ExitCode.Should().Be(0, "cursor show must work: {0}", result);
        var view = JsonNode.Parse(result.Output)!;
        return (string?)view["current"]?["value"];
    }

    /// <summary>The connector's dead letters, read through <c>dead-letters list --json</c>.</summary>
    public async Task<JsonArray> DeadLettersAsync(string connector)
    {
        var result = await RunAsync("dead-letters", "list", connector, "--json");
        result.ExitCode.Should().Be(0, "dead-letters list must work: {0}", result);
        return JsonNode.Parse(result.Output)!.AsArray();
    }

    /// <summary>Every file under the log folder, read whole.</summary>
    public IEnumerable<(string Path, string Text)> LogFiles() =>
        Directory.Exists(Fixture.LogDirectory)
            ? Directory.EnumerateFiles(Fixture.LogDirectory, "*", SearchOption.AllDirectories).Select(p => (p, ReadShared(p)))
            : [];

    /// <summary>Fails when a secret occurs in any output, log file or text the test collected.</summary>
    public void AssertNoSecretLeaked(IEnumerable<string> secrets, IEnumerable<string>? moreTexts = null)
    {
        var texts = Transcript.Select((t, i) => ($"output #{i}", t))
            .Concat(LogFiles())
            .Concat((moreTexts ?? []).Select((t, i) => ($"text #{i}", t)))
            .ToList();
        var leaks = (from secret in secrets
                     from text in texts
                     where text.Item2.Contains(secret, StringComparison.Ordinal)
                     select text.Item1).ToList();
        TestContext.Out.WriteLine($"secret scan: {texts.Count} texts, {texts.Sum(t => t.Item2.Length)} characters, {leaks.Count} leaks");
        leaks.Should().BeEmpty("no secret may appear in outputs or logs");
    }

    public async ValueTask DisposeAsync() => await Fixture.DisposeAsync();

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
